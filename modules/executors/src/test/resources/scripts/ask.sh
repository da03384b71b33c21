#!/usr/bin/env bash
# Asks its session a question, reads the answer from stdin and makes it the result.
set -euo pipefail
echo "::ask may I?"
IFS= read -r answer
printf '{"answer":"%s"}\n' "$answer" > "$TASKFORCE_RESULT"
