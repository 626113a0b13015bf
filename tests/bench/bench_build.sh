#!/bin/sh
# Times `whittle build` of a ~200 MB composition against two baselines run
# on the same tree in the same run: `tar --sort=name -cf - . | gzip -n -6`
# and `umoci repack`. The commands run in turn BENCH_RUNS times (default 3),
# with a second whittle build at compression level 6 for comparison. Prints
# each run's wall and CPU times and ratios, then the medians; the targets
# (at the default level) are <= 1.0 against tar | gzip and <= 0.5 against umoci.
#
# The tree is the regular files of /usr/lib/x86_64-linux-gnu and /usr/share
# that have one link, in name order, up to BENCH_BUILD_MB (default 200) MB, so it depends on
# what the machine has installed. BENCH_KEEP=1 keeps the work folder.
set -eu

: "${WHITTLE:?set WHITTLE to the whittle binary}"
for program in tar gzip umoci awk /usr/bin/time; do
    command -v "$program" >/dev/null || { echo "bench_build: $program is missing; run make deps" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/whittle-bench-build.XXXXXX")
if [ "${BENCH_KEEP:-0}" != 1 ]; then
    trap 'rm -rf "$work"' EXIT
fi
limit=$(( ${BENCH_BUILD_MB:-200} * 1000 * 1000 ))

# measure NAME COMMAND...: runs COMMAND with its output discarded and
# stores "WALL CPU" (seconds; CPU is user + system) in $work/NAME.time.
measure() {
    name=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$work/$name.raw" "$@" >/dev/null 2>&1 ||
        { echo "bench_build: $name failed: $*" >&2; exit 1; }
    awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$work/$name.raw" >"$work/$name.time"
}

# --- the tree ---
find /usr/lib/x86_64-linux-gnu /usr/share -xdev -type f -links 1 -readable -printf '%s %p\n' 2>/dev/null |
    LC_ALL=C sort -k2 | awk -v limit="$limit" '{ if (total + $1 > limit) next; total += $1; print substr($0, index($0, " ") + 1) }' \
    >"$work/files.txt"
mkdir -p "$work/tree"
tar -cf - -T "$work/files.txt" 2>/dev/null | tar -xf - -C "$work/tree"
bytes=$(du -sb "$work/tree" | cut -f1)
entries=$(find "$work/tree" | wc -l)
echo "build: tree of $bytes bytes in $entries entries (regular files of /usr/lib/x86_64-linux-gnu and /usr/share)"

# --- whittle: import once (not timed) ---
"$WHITTLE" --catalog "$work/catalog/catalog.db" catalog import "$work/tree" --name big --version 1 >/dev/null
printf '{"components": ["big"], "policy": "none"}\n' >"$work/spec.json"

# --- umoci: an empty image and its unpacked bundle (not timed) ---
umoci init --layout "$work/umoci" >/dev/null
umoci new --image "$work/umoci:base" >/dev/null
umoci unpack --rootless --image "$work/umoci:base" "$work/bundle" >/dev/null 2>&1
cp -a "$work/tree/." "$work/bundle/rootfs/"

# Each run builds the whole tree with each tool. umoci repack always builds
# on the image recorded in the bundle (the empty one), so every run writes
# the same full layer, under a new tag.
runs=${BENCH_RUNS:-3}
run=1
while [ "$run" -le "$runs" ]; do
    rm -rf "$work/whittle"
    measure "whittle.$run" "$WHITTLE" --catalog "$work/catalog/catalog.db" build "$work/spec.json" -o "oci:$work/whittle"
    whittle_size=$(du -sb "$work/whittle/blobs" | cut -f1)

    # For comparison only: the same build at gzip's default level.
    rm -rf "$work/whittle6"
    measure "whittle6.$run" "$WHITTLE" --catalog "$work/catalog/catalog.db" build "$work/spec.json" \
        -o "oci:$work/whittle6" --compression-level 6
    whittle6_size=$(du -sb "$work/whittle6/blobs" | cut -f1)

    measure "tar.$run" sh -c 'tar --sort=name -cf - -C "$1" . | gzip -n -6 >"$2"' sh "$work/tree" "$work/tree.tar.gz"
    tar_size=$(stat -c %s "$work/tree.tar.gz")

    before=$(du -sb "$work/umoci/blobs" | cut -f1)
    measure "umoci.$run" umoci repack --image "$work/umoci:run$run" "$work/bundle"
    # Later runs write the same layer blob again, so only the first adds its bytes.
    if [ "$run" = 1 ]; then
        umoci_size=$(( $(du -sb "$work/umoci/blobs" | cut -f1) - before ))
    fi

    read -r whittle_wall whittle_cpu <"$work/whittle.$run.time"
    read -r tar_wall tar_cpu <"$work/tar.$run.time"
    read -r umoci_wall umoci_cpu <"$work/umoci.$run.time"
    read -r whittle6_wall whittle6_cpu <"$work/whittle6.$run.time"
    echo "build: run $run, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "build:   whittle build oci:             wall ${whittle_wall} s, CPU ${whittle_cpu} s, ${whittle_size} bytes of blobs"
    echo "build:   whittle, compression level 6  wall ${whittle6_wall} s, CPU ${whittle6_cpu} s, ${whittle6_size} bytes of blobs"
    echo "build:   tar --sort=name | gzip -n -6   wall ${tar_wall} s, CPU ${tar_cpu} s, ${tar_size} bytes"
    echo "build:   umoci repack                   wall ${umoci_wall} s, CPU ${umoci_cpu} s, ${umoci_size} bytes of blobs"
    awk -v w="$whittle_wall" -v t="$tar_wall" -v u="$umoci_wall" -v wc="$whittle_cpu" -v uc="$umoci_cpu" -v tc="$tar_cpu" \
        -v w6="$whittle6_wall" 'BEGIN {
        printf "build:   ratios whittle / tar|gzip: wall %.2f, CPU %.2f; whittle / umoci: wall %.2f, CPU %.2f; at level 6 / umoci: wall %.2f\n", w / t, wc / tc, w / u, wc / uc, w6 / u
    }'
    run=$((run + 1))
done

# median FIELD NAME: the median of field FIELD (1 wall, 2 CPU) over NAME's runs.
median() {
    cat "$work/$2".*.time | cut -d' ' -f"$1" | sort -n |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
awk -v w="$(median 1 whittle)" -v t="$(median 1 tar)" -v u="$(median 1 umoci)" \
    -v wc="$(median 2 whittle)" -v tc="$(median 2 tar)" -v uc="$(median 2 umoci)" -v n="$runs" \
    -v w6="$(median 1 whittle6)" 'BEGIN {
    printf "build: medians of %d runs: whittle wall %.2f s, CPU %.2f s; tar|gzip wall %.2f s, CPU %.2f s; umoci wall %.2f s, CPU %.2f s\n", n, w, wc, t, tc, u, uc
    printf "build: wall time ratio whittle / tar|gzip = %.2f (target <= 1.0)\n", w / t
    printf "build: wall time ratio whittle / umoci    = %.2f (target <= 0.5)\n", w / u
    printf "build: CPU time ratio whittle / tar|gzip  = %.2f, whittle / umoci = %.2f\n", wc / tc, wc / uc
    printf "build: for comparison, whittle at compression level 6: wall %.2f s, %.2f of umoci\n", w6, w6 / u
}'
