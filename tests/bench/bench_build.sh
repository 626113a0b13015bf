#!/bin/sh
# Times `whittle build` of a ~200 MB composition against two baselines run
# on the same tree in the same run: `tar --sort=name -cf - . | gzip -n -6`
# and `umoci repack`. Prints each wall time and the ratios whittle/baseline;
# the targets are <= 1.0 against tar | gzip and <= 0.5 against umoci.
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

# --- whittle: import once (not timed), then build ---
"$WHITTLE" --catalog "$work/catalog/catalog.db" catalog import "$work/tree" --name big --version 1 >/dev/null
printf '{"components": ["big"], "policy": "none"}\n' >"$work/spec.json"
measure whittle "$WHITTLE" --catalog "$work/catalog/catalog.db" build "$work/spec.json" -o "oci:$work/whittle"
whittle_size=$(du -sb "$work/whittle/blobs" | cut -f1)

# --- tar | gzip, one core ---
measure tar sh -c 'tar --sort=name -cf - -C "$1" . | gzip -n -6 >"$2"' sh "$work/tree" "$work/tree.tar.gz"
tar_size=$(stat -c %s "$work/tree.tar.gz")

# --- umoci repack of the same tree into an empty image ---
umoci init --layout "$work/umoci" >/dev/null
umoci new --image "$work/umoci:base" >/dev/null
umoci unpack --rootless --image "$work/umoci:base" "$work/bundle" >/dev/null 2>&1
cp -a "$work/tree/." "$work/bundle/rootfs/"
measure umoci umoci repack --image "$work/umoci:base" "$work/bundle"
umoci_size=$(du -sb "$work/umoci/blobs" | cut -f1)

read -r whittle_wall whittle_cpu <"$work/whittle.time"
read -r tar_wall tar_cpu <"$work/tar.time"
read -r umoci_wall umoci_cpu <"$work/umoci.time"
echo "build: uptime load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build: whittle build oci:             wall ${whittle_wall} s, CPU ${whittle_cpu} s, ${whittle_size} bytes of blobs"
echo "build: tar --sort=name | gzip -n -6   wall ${tar_wall} s, CPU ${tar_cpu} s, ${tar_size} bytes"
echo "build: umoci repack                   wall ${umoci_wall} s, CPU ${umoci_cpu} s, ${umoci_size} bytes of blobs"
awk -v w="$whittle_wall" -v t="$tar_wall" -v u="$umoci_wall" -v wc="$whittle_cpu" -v uc="$umoci_cpu" -v tc="$tar_cpu" 'BEGIN {
    printf "build: wall time ratio whittle / tar|gzip = %.2f (target <= 1.0)\n", w / t
    printf "build: wall time ratio whittle / umoci    = %.2f (target <= 0.5)\n", w / u
    printf "build: CPU time ratio whittle / tar|gzip  = %.2f, whittle / umoci = %.2f\n", wc / tc, wc / uc
}'
