#!/usr/bin/env bash
# Writes $1 bytes of output in lines of about 1 KiB, then waits for the test's go-ahead ($2/go).
set -u
line=$(printf 'x%.0s' $(seq 1 1023))
yes "$line" | head -c "$1"
until [ -e "$2/go" ]; do sleep 0.05; done
echo "huge done"
