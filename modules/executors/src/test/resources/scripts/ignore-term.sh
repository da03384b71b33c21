#!/usr/bin/env bash
# Notes SIGTERM in $1/log and goes on regardless: only SIGKILL ends it.
set -u
trap 'echo term >> "$1/log"' TERM
echo $$ > "$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid"
while true; do sleep 0.1; done
