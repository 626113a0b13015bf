#!/bin/sh
# Measures the composer on one catalog: the time from starting `whittle
# compose` in a 200x50 tmux pane until the status line is drawn, and the
# peak resident memory of the whole session (from /usr/bin/time -v).
#
# Usage: bench_tui.sh WHITTLE CATALOG_DB [RUNS]
# The time includes starting tmux and polling the pane every 5 ms, so it is
# an upper bound of the composer's own time to the first frame.
set -eu

whittle=$1
catalog=$2
runs=${3:-3}
command -v tmux >/dev/null || { echo "bench_tui: tmux is missing" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_tui: /usr/bin/time is missing (Debian package time)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/whittle-bench-tui.XXXXXX")
socket="whittle-bench-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null; rm -rf "$work"' EXIT

now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

best=""
for run in $(seq 1 "$runs"); do
    tmux -L "$socket" kill-server 2>/dev/null || true
    socket="whittle-bench-$$-$run"
    start=$(now_ms)
    tmux -L "$socket" -f /dev/null new-session -d -x 200 -y 50 \
        "env TERM=tmux-256color /usr/bin/time -v -o '$work/time.$run' '$whittle' --catalog '$catalog' compose; sleep 60"
    until tmux -L "$socket" capture-pane -p | grep -q " components .* files "; do
        [ $(($(now_ms) - start)) -lt 60000 ] || { echo "bench_tui: no first frame after 60 s" >&2; exit 1; }
        sleep 0.005
    done
    elapsed=$(($(now_ms) - start))
    if [ -z "$best" ] || [ "$elapsed" -lt "$best" ]; then
        best=$elapsed
    fi

    # Quit without saving; the composition is unchanged, so no question comes.
    tmux -L "$socket" send-keys q
    until [ -s "$work/time.$run" ]; do sleep 0.05; done
done

peak_kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.$runs")
echo "composer first frame: ${best} ms (best of $runs, tmux start included)"
echo "composer peak memory: $((peak_kib / 1024)) MiB"
