#!/usr/bin/env bash
# Writes what the process sees of its environment (and where it runs) as its result.
set -euo pipefail
printf '{"taskId":"%s","sessionId":"%s","attempt":"%s","resultFile":"%s","extra":"%s","pwd":"%s"}\n' \
  "$TASKFORCE_TASK_ID" "$TASKFORCE_SESSION_ID" "$TASKFORCE_ATTEMPT" "$TASKFORCE_RESULT" \
  "${EXTRA_SETTING:-}" "$(pwd -P)" > "$TASKFORCE_RESULT"
