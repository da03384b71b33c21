#!/usr/bin/env bash
# Attempt 1 starts a grandchild and runs for ever, quietly (it outlives a killed JVM). A later
# attempt reports whether attempt 1's processes were still there when it started.
set -u
if [ "$TASKFORCE_ATTEMPT" -ge 2 ]; then
  alive=false
  for f in "$1/pid-1" "$1/grandchild-1"; do
    stat="/proc/$(cat "$f")/stat"
    # A zombie is dead, only not reaped yet.
    [ -e "$stat" ] && [ "$(cut -d' ' -f3 "$stat")" != Z ] && alive=true
  done
  printf '{"attempt":%s,"firstAttemptStillAlive":%s}\n' "$TASKFORCE_ATTEMPT" "$alive" > "$TASKFORCE_RESULT"
  exit 0
fi
sleep 1000 &
echo $! > "$1/grandchild.tmp" && mv "$1/grandchild.tmp" "$1/grandchild-1"
echo $$ > "$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid-1"
while true; do sleep 0.1; done
