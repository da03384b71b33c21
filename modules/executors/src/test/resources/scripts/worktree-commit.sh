#!/usr/bin/env bash
# In its own worktree: waits until $2 tasks have started (markers in $1), so they surely run at
# once, then writes a file of its own and commits it.
set -euo pipefail
touch "$1/started-$TASKFORCE_TASK_ID"
until [ "$(ls "$1" | grep -c '^started-')" -ge "$2" ]; do sleep 0.05; done
echo "work of $TASKFORCE_TASK_ID" > "file-$TASKFORCE_TASK_ID.txt"
git add "file-$TASKFORCE_TASK_ID.txt"
git commit -q -m "work of $TASKFORCE_TASK_ID"
echo "committed on $(git rev-parse --abbrev-ref HEAD)"
