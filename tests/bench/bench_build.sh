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
for program in tar gzip umoci awk; do
    command -v "$program" >/dev/null || { echo "bench_build: $program is missing; run make deps" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/whittle-bench-build.XXXXXX")
if [ "${BENCH_KEEP:-0}" != 1 ]; then
    trap 'rm -rf "$work"' EXIT
fi
limit=$(( ${BENCH_BUILD_MB:-200} * 1000 * 1000 ))

# now: prints the time in seconds with nanoseconds.
now() {
    date +%s.%N
}

# elapsed START: prints the seconds since START with two decimals.
elapsed() {
    awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.2f", end - start }'
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
start=$(now)
"$WHITTLE" --catalog "$work/catalog/catalog.db" build "$work/spec.json" -o "oci:$work/whittle" >/dev/null 2>&1
whittle_time=$(elapsed "$start")
whittle_size=$(du -sb "$work/whittle/blobs" | cut -f1)

# --- tar | gzip, one core ---
start=$(now)
tar --sort=name -cf - -C "$work/tree" . | gzip -n -6 >"$work/tree.tar.gz"
tar_time=$(elapsed "$start")
tar_size=$(stat -c %s "$work/tree.tar.gz")

# --- umoci repack of the same tree into an empty image ---
umoci init --layout "$work/umoci" >/dev/null
umoci new --image "$work/umoci:base" >/dev/null
umoci unpack --rootless --image "$work/umoci:base" "$work/bundle" >/dev/null 2>&1
cp -a "$work/tree/." "$work/bundle/rootfs/"
start=$(now)
umoci repack --image "$work/umoci:base" "$work/bundle" >/dev/null 2>&1
umoci_time=$(elapsed "$start")
umoci_size=$(du -sb "$work/umoci/blobs" | cut -f1)

echo "build: whittle build oci:          ${whittle_time} s, ${whittle_size} bytes of blobs"
echo "build: tar --sort=name | gzip -n -6  ${tar_time} s, ${tar_size} bytes"
echo "build: umoci repack                ${umoci_time} s, ${umoci_size} bytes of blobs"
awk -v w="$whittle_time" -v t="$tar_time" -v u="$umoci_time" 'BEGIN {
    printf "build: ratio whittle / tar|gzip = %.2f (target <= 1.0)\n", w / t
    printf "build: ratio whittle / umoci    = %.2f (target <= 0.5)\n", w / u
}'
