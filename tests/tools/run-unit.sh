#!/bin/sh
# Runs each cmocka test binary given as an argument and prints a summary.
# Exits 1 when any binary fails.
set -u

passed=0
failed=0
for binary in "$@"; do
    if "$binary"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAILED: $binary" >&2
    fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" = 0 ]
