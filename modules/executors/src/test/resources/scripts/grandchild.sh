#!/usr/bin/env bash
# Starts a grandchild that would sleep long, then loops for ever.
set -u
sleep 1000 &
echo $! > "$1/grandchild.tmp" && mv "$1/grandchild.tmp" "$1/grandchild.pid"
echo $$ > "$1/child.tmp" && mv "$1/child.tmp" "$1/child.pid"
while true; do sleep 0.1; done
