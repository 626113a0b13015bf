#!/bin/sh
# Measures the composer on one catalog: the time from the start of the
# `whittle compose` process to its first complete frame, and its peak
# resident memory.
#
# Usage: bench_tui.sh WHITTLE CATALOG_DB [RUNS]
#
# Each run starts the composer with WHITTLE_EXIT_AFTER_FIRST_FRAME=1 in a
# 200x50 pseudo-terminal made by script(1) from util-linux. The composer
# draws one frame, restores the terminal, prints "first frame: N ms" on
# stderr and exits, and /usr/bin/time -v records its maximum resident set
# size. The script prints every run and the median of each figure.
set -eu

whittle=$1
catalog=$2
runs=${3:-3}
command -v script >/dev/null || { echo "bench_tui: script is missing (Debian package bsdutils)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_tui: /usr/bin/time is missing (Debian package time)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/whittle-bench-tui.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Runs inside the pseudo-terminal: sets its size, then starts the composer.
cat >"$work/run.sh" <<'EOF'
stty rows 50 cols 200
exec env TERM=xterm-256color WHITTLE_EXIT_AFTER_FIRST_FRAME=1 \
    /usr/bin/time -v -o "$1" "$2" --catalog "$3" compose 2>"$4"
EOF

# median FILE: prints the middle line of a file of numbers, one per line.
median() {
    sort -n "$1" | sed -n "$((($(wc -l <"$1") + 1) / 2))p"
}

: >"$work/frames"
: >"$work/peaks"
for run in $(seq 1 "$runs"); do
    script -qec "sh '$work/run.sh' '$work/time.$run' '$whittle' '$catalog' '$work/stderr.$run'" \
        /dev/null </dev/null >/dev/null || true
    frame=$(sed -n 's/^first frame: \([0-9]*\) ms$/\1/p' "$work/stderr.$run")
    peak_kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.$run")
    if [ -z "$frame" ] || [ -z "$peak_kib" ]; then
        echo "bench_tui: run $run printed no first frame time; its stderr:" >&2
        cat "$work/stderr.$run" >&2
        exit 1
    fi
    echo "run $run: first frame $frame ms, peak RSS $((peak_kib / 1024)) MiB"
    echo "$frame" >>"$work/frames"
    echo "$((peak_kib / 1024))" >>"$work/peaks"
done

echo "composer first frame: $(median "$work/frames") ms (median of $runs runs)"
echo "composer peak memory: $(median "$work/peaks") MiB (median of $runs runs)"
