#!/usr/bin/env bash
# Random bytes on stdout and stderr, then a last plain line.
head -c 100000 /dev/urandom
head -c 10000 /dev/urandom >&2
echo
echo "binary done"
