#!/usr/bin/env bash
# Fails on the first attempt, succeeds on the next (TASKFORCE_ATTEMPT tells which).
set -eu
if [ "$TASKFORCE_ATTEMPT" = 1 ]; then
  echo "attempt 1 fails" >&2
  exit 1
fi
printf '{"succeededOnAttempt":%s}\n' "$TASKFORCE_ATTEMPT" > "$TASKFORCE_RESULT"
