#!/usr/bin/env bash
# Writes to both streams, then exits with code 3.
echo "some output"
echo "went wrong: disk full" >&2
exit 3
