#!/bin/sh
# Times `whittle catalog import DIR` of two trees against reading and hashing
# the same tree with `tar -cf - . | sha256sum`, run alternately in the same
# run; the target is at most 1.3 times the baseline. A third, informative
# figure copies the tree and flushes it (`cp -a` then `sync -f`), which
# creates as many files as the import does.
#
# Trees: (a) a Debian bookworm minbase rootfs, extracted from the tarball
# that tests/e2e/test_debootstrap.sh caches in
# ${XDG_CACHE_HOME:-~/.cache}/whittle/debootstrap/bookworm-minbase.tar (made
# here the same way when missing, which needs root and debootstrap); (b) a
# generated tree of BENCH_IMPORT_MB MiB (default 1024) from build/bench/gen_tree.
#
# Each figure is the median of BENCH_RUNS runs (default 3). Every import
# goes to a new catalog, and all are deleted at the end: on ext4 without a
# journal, creating files right after many were deleted nearby is slow
# because the allocator skips recently freed inodes. BENCH_KEEP=1 keeps the
# work folder.
#
# The work folder (several GB) goes under BENCH_TMPDIR, default /var/tmp,
# because /tmp is often a tmpfs, which would measure memory instead of a
# disk file system and hold gigabytes of RAM.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
: "${WHITTLE:?set WHITTLE to the whittle binary}"
runs=${BENCH_RUNS:-3}
for program in tar sha256sum cp sync awk; do
    command -v "$program" >/dev/null || { echo "bench_import: $program is missing" >&2; exit 2; }
done

work=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/whittle-bench-import.XXXXXX")
if [ "${BENCH_KEEP:-0}" != 1 ]; then
    trap 'rm -rf "$work"' EXIT
fi

# seconds COMMAND...: runs COMMAND with its output discarded and prints its
# wall time in seconds.
seconds() {
    start=$(date +%s%N)
    "$@" >/dev/null 2>"$work/stderr" || {
        echo "bench_import: failed: $*" >&2
        cat "$work/stderr" >&2
        exit 1
    }
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

hash_tree() {
    tar -C "$1" -cf - . | sha256sum
}

copy_tree() {
    cp -a "$1" "$2" && sync -f "$2"
}

# report NAME OURS BASELINE [TARGET]: prints one figure line.
report() {
    awk -v name="$1" -v ours="$2" -v base="$3" -v target="${4:-}" 'BEGIN {
        ratio = ours / base
        if (target == "") {
            printf "%-34s whittle %7.2f s  baseline %7.2f s  ratio %5.2fx  (informative)\n",
                   name, ours, base, ratio
        } else {
            printf "%-34s whittle %7.2f s  baseline %7.2f s  ratio %5.2fx  target <= %sx  %s\n",
                   name, ours, base, ratio, target, ratio <= target ? "PASS" : "MISS"
        }
    }'
}

# bench_tree LABEL DIR: imports DIR $runs times next to both baselines.
bench_tree() {
    label=$1
    tree=$2
    hash_tree "$tree" >/dev/null # warm the page cache for every contender
    : >"$work/$label.ours"
    : >"$work/$label.hash"
    : >"$work/$label.copy"
    for run in $(seq 1 "$runs"); do
        seconds hash_tree "$tree" >>"$work/$label.hash"
        seconds "$WHITTLE" --catalog "$work/catalog-$label-$run/catalog.db" catalog import \
            "$tree" --name "bench-$label" --version "$run" >>"$work/$label.ours"
        seconds copy_tree "$tree" "$work/copy-$label-$run" >>"$work/$label.copy"
    done
    ours=$(median <"$work/$label.ours")
    report "import $label vs tar | sha256sum" "$ours" "$(median <"$work/$label.hash")" 1.3
    report "import $label vs cp -a + sync" "$ours" "$(median <"$work/$label.copy")"
}

# Prints the wall time of creating 2,000 empty files in one new folder of
# the work folder, in microseconds per file. The import creates one file
# per distinct content in one folder of its store, so this cost of the file
# system scales its figure and not the baseline's.
creation_probe() {
    mkdir "$work/probe-$1"
    seq -f "$work/probe-$1/f%.0f" 1 2000 >"$work/probe-$1.names"
    elapsed=$(seconds xargs touch <"$work/probe-$1.names")
    awk -v s="$elapsed" 'BEGIN { printf "%.0f", s * 1e6 / 2000 }'
}

# The first "deb" URI of apt's sources that is not the security archive.
apt_mirror() {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }'
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '$1 == "URIs:" && $2 !~ /security/ { print $2; exit }'
}

# Prints the path of the minbase tarball, making it when possible.
minbase_tarball() {
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/whittle/debootstrap
    tarball="$cache/bookworm-minbase.tar"
    if [ ! -f "$tarball" ]; then
        if [ "$(id -u)" != 0 ] || ! command -v debootstrap >/dev/null; then
            return 1
        fi
        mirror=${E2E_DEBOOTSTRAP_MIRROR:-$(apt_mirror | head -n 1)}
        [ -n "$mirror" ] || return 1
        mkdir -p "$cache"
        debootstrap --variant=minbase bookworm "$work/bootstrap" "$mirror" \
            >"$work/debootstrap.log" 2>&1 || {
            tail -n 20 "$work/debootstrap.log" >&2
            return 1
        }
        tar -C "$work/bootstrap" --numeric-owner --xattrs --xattrs-include='*' \
            -cf "$tarball.partial" .
        mv "$tarball.partial" "$tarball"
        rm -rf "$work/bootstrap"
    fi
    echo "$tarball"
}

if tarball=$(minbase_tarball); then
    mkdir "$work/minbase"
    tar -C "$work/minbase" --numeric-owner -xf "$tarball" 2>/dev/null || true
    echo "tree minbase: $(find "$work/minbase" | wc -l) entries," \
         "$(du -sm "$work/minbase" | cut -f1) MiB, from $tarball"
    echo "file creation in $work before minbase: $(creation_probe minbase) us per file"
    bench_tree minbase "$work/minbase"
else
    echo "import minbase: skipped: no bookworm-minbase.tar in the cache, and debootstrap" \
         "needs root, the debootstrap package and a Debian mirror in apt's sources"
fi

"$root/build/bench/gen_tree" "$work/generated" "${BENCH_IMPORT_MB:-1024}"
echo "file creation in $work before generated: $(creation_probe generated) us per file"
bench_tree generated "$work/generated"
