#!/bin/sh
# Measures the composer (`whittle compose`) on two catalogs with
# tests/bench/bench_tui.sh, which starts it in a pseudo-terminal with
# WHITTLE_EXIT_AFTER_FIRST_FRAME=1, reads the time from the process start
# to the first frame that the composer prints, and reads the peak RSS from
# /usr/bin/time -v:
#
#   seeded      the demo catalog from `whittle catalog seed` (about 30
#               Debian packages; downloads them once into the seed cache)
#   generated   5,000 components and 500,000 files from build/bench/gen_catalog
#
# Targets: first frame within 200 ms on the seeded catalog and 500 ms on the
# generated one, peak RSS at most 150 MiB on the generated one. Each figure
# is the median of BENCH_RUNS runs (default 3). There is no baseline
# program, so these figures are absolute.
#
# Usage: bench_composer.sh [GENERATED_DB]   reuses a catalog from gen_catalog
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
: "${WHITTLE:?set WHITTLE to the whittle binary}"
runs=${BENCH_RUNS:-3}
if [ ! -f "$root/tests/bench/bench_tui.sh" ]; then
    echo "composer: skipped: tests/bench/bench_tui.sh is missing"
    exit 0
fi
if ! command -v script >/dev/null || [ ! -x /usr/bin/time ]; then
    echo "composer: skipped: needs script and /usr/bin/time (Debian packages bsdutils and time)"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/whittle-bench-composer.XXXXXX")
if [ "${BENCH_KEEP:-0}" != 1 ]; then
    trap 'rm -rf "$work"' EXIT
fi

# figure NAME VALUE UNIT TARGET: prints one line; VALUE empty means not measured.
figure() {
    if [ -z "$2" ]; then
        printf '%-34s not measured (see the output above)\n' "$1"
        return
    fi
    awk -v name="$1" -v value="$2" -v unit="$3" -v target="$4" 'BEGIN {
        printf "%-34s whittle %7d %s  baseline -  ratio -  target <= %d %s  %s\n",
               name, value, unit, target, unit, value <= target ? "PASS" : "MISS"
    }'
}

# measure LABEL DB: runs bench_tui.sh, shows its runs and keeps its two medians.
measure() {
    sh "$root/tests/bench/bench_tui.sh" "$WHITTLE" "$2" "$runs" >"$work/$1.out" 2>&1 || {
        echo "composer $1: bench_tui.sh failed:" >&2
        cat "$work/$1.out" >&2
    }
    sed -n "s/^run /composer $1, run /p" "$work/$1.out"
    sed -n 's/^composer first frame: \([0-9]*\) ms.*/\1/p' "$work/$1.out" >"$work/$1.frame"
    sed -n 's/^composer peak memory: \([0-9]*\) MiB.*/\1/p' "$work/$1.out" >"$work/$1.memory"
}

if "$WHITTLE" --catalog "$work/seeded/catalog.db" catalog seed \
    --list "$root/catalog/seed-packages.list" >"$work/seed.log" 2>&1; then
    measure seeded "$work/seeded/catalog.db"
    figure "composer first frame, seeded" "$(cat "$work/seeded.frame")" ms 200
else
    echo "composer first frame, seeded: skipped: whittle catalog seed failed:"
    tail -n 5 "$work/seed.log"
fi

generated=${1:-}
if [ -z "$generated" ]; then
    generated="$work/generated.db"
    "$root/build/bench/gen_catalog" "$generated" 5000 100 >/dev/null
fi
measure generated "$generated"
figure "composer first frame, 500k files" "$(cat "$work/generated.frame")" ms 500
figure "composer peak RSS, 500k files" "$(cat "$work/generated.memory")" MiB 150
