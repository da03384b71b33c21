#!/usr/bin/env bash
# Leaves a grandchild running (holding stdout) and exits at once, successfully.
set -u
sleep 1000 &
echo $! > "$1/grandchild.tmp" && mv "$1/grandchild.tmp" "$1/grandchild.pid"
echo "leader done"
