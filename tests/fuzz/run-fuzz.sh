#!/bin/sh
# Runs each libFuzzer target for SECONDS seconds on its seeds and prints one
# line per target. Exits 1 when any target found a crash, a leak or a
# timeout; the inputs that caused them are in BUILD/crashes/NAME/.
#
# Usage: sh tests/fuzz/run-fuzz.sh BUILD SECONDS NAME...
set -u

build=$1
seconds=$2
shift 2

failed=0
for name in "$@"; do
    corpus="$build/corpus/$name"
    crashes="$build/crashes/$name"
    log="$build/logs/$name.log"
    mkdir -p "$corpus" "$crashes" "$build/logs"

    seeds=""
    for folder in "tests/fuzz/corpus/$name" "$build/seeds/$name"; do
        [ -d "$folder" ] && seeds="$seeds $folder"
    done

    # -rss_limit_mb and -timeout turn runaway memory and hangs into findings;
    # -max_len lets a whole seed package be mutated.
    # shellcheck disable=SC2086
    "$build/fuzz_$name" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$corpus" $seeds >"$log" 2>&1
    status=$?

    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    if [ "$status" = 0 ]; then
        echo "fuzz $name: ok, ${runs:-0} runs in ${seconds}s, $coverage"
    else
        failed=1
        echo "fuzz $name: FAILED (exit $status), see $log and $crashes/" >&2
        grep -m 3 'ERROR\|SUMMARY\|fuzz:' "$log" >&2
    fi
done
exit "$failed"
