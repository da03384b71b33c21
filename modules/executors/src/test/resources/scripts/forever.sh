#!/usr/bin/env bash
# Runs for ever; its pid goes to $1/pid.
set -u
echo $$ > "$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid"
while true; do sleep 0.1; done
