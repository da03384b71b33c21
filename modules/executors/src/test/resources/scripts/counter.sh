#!/usr/bin/env bash
# Counts into $1/counter about every 50 ms, for ever; its pid goes to $1/pid.
set -u
echo $$ > "$1/pid.tmp" && mv "$1/pid.tmp" "$1/pid"
n=0
while true; do
  n=$((n + 1))
  echo "$n" > "$1/counter.tmp" && mv "$1/counter.tmp" "$1/counter"
  sleep 0.05
done
