#!/bin/sh
# Runs every tests/e2e/*.sh against $WHITTLE and prints a summary.
# Set E2E_ONLY=name to run the scripts whose names contain it.
set -u

: "${WHITTLE:?set WHITTLE to the whittle binary}"
export WHITTLE
root=$(cd "$(dirname "$0")/../.." && pwd)
export WHITTLE_SOURCE="$root"

# State shared by the tests of one run, such as the seeded demo catalog.
E2E_STATE=$(mktemp -d "${TMPDIR:-/tmp}/whittle-e2e-state.XXXXXX")
export E2E_STATE
trap 'rm -rf "$E2E_STATE"' EXIT

passed=0
failed=0
for script in "$root"/tests/e2e/test_*.sh; do
    [ -e "$script" ] || continue
    name=$(basename "$script" .sh)
    case "$name" in *"${E2E_ONLY:-}"*) ;; *) continue ;; esac
    log=$(mktemp)
    if sh "$script" >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        sed 's/^/    /' "$log"
    fi
    rm -f "$log"
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" = 0 ]
