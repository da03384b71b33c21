#!/usr/bin/env bash
# Reports progress in steps; each step waits for the test's go-ahead (a file in $1).
set -euo pipefail
gate() { until [ -e "$1/$2" ]; do sleep 0.05; done; }
echo "plain line one"
gate "$1" step1
echo "::progress 40 running tests"
gate "$1" step2
echo "still testing"
gate "$1" step3
