#!/usr/bin/env bash
# Asks the task's session for permission, then runs the risky step only on a yes.
#   ask-permission.sh "<question>" <command> [args...]
# The answer arrives on standard input as one line. A yes runs the command (its failure fails
# the task); anything else skips it. Either way the result says what happened, unless the
# command wrote a result of its own.
set -euo pipefail
question="$1"
shift
echo "::ask $question (yes/no)"
IFS= read -r answer || answer=""
case "$answer" in
  [Yy] | [Yy][Ee][Ss] | [Yy][Ee][Ss][[:space:],.!]*)
    echo "::progress 50 allowed: running $1"
    "$@"
    [ -s "$TASKFORCE_RESULT" ] || echo '{"allowed": true}' > "$TASKFORCE_RESULT"
    ;;
  *)
    echo "not allowed; skipped $1"
    echo '{"allowed": false}' > "$TASKFORCE_RESULT"
    ;;
esac
