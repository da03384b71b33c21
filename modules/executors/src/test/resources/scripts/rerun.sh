#!/usr/bin/env bash
# Counts its runs in $1/runs; the first run starts a grandchild and runs for ever, a later one
# succeeds with the number of runs as its result.
set -u
runs=$(( $(cat "$1/runs" 2>/dev/null || echo 0) + 1 ))
echo "$runs" > "$1/runs"
if [ "$runs" -ge 2 ]; then
  printf '{"runs":%s,"attempt":%s}\n' "$runs" "$TASKFORCE_ATTEMPT" > "$TASKFORCE_RESULT"
  exit 0
fi
sleep 1000 &
echo $! > "$1/grandchild.tmp" && mv "$1/grandchild.tmp" "$1/grandchild.pid"
echo $$ > "$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid"
while true; do sleep 0.1; done
