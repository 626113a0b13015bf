#!/bin/sh
# Runs the benchmarks: generates a catalog of 5,000 components and 500,000
# files in a temporary folder, then times 200 random toggles (resolve, size
# and strict policy) against a baseline pass over all files measured in the
# same run. BENCH_COMPONENTS, BENCH_FILES_PER_COMPONENT and BENCH_TOGGLES
# change the sizes, BENCH_POLICY the profile, and BENCH_KEEP=1 keeps the
# generated catalog.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
make --no-print-directory -f Makefile -f tests/bench/Makefile.inc bench-programs >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/whittle-bench.XXXXXX")
if [ "${BENCH_KEEP:-0}" != 1 ]; then
    trap 'rm -rf "$work"' EXIT
fi

echo "machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
build/bench/gen_catalog "$work/catalog.db" "${BENCH_COMPONENTS:-5000}" \
    "${BENCH_FILES_PER_COMPONENT:-100}"
build/bench/bench_toggle "$work/catalog.db" "${BENCH_TOGGLES:-200}"

# Image build against tar | gzip and umoci repack of the same ~200 MB tree.
WHITTLE="${WHITTLE:-$root/build/whittle}" sh "$root/tests/bench/bench_build.sh"

# Import of a minbase rootfs and a generated 1 GiB tree against tar | sha256sum.
WHITTLE="${WHITTLE:-$root/build/whittle}" sh "$root/tests/bench/bench_import.sh"

# Push of a 200 MiB image to a loopback docker-registry against skopeo copy.
WHITTLE="${WHITTLE:-$root/build/whittle}" sh "$root/tests/bench/bench_push.sh"

# Composer first frame and peak memory; reuses the 500,000-file catalog above.
WHITTLE="${WHITTLE:-$root/build/whittle}" sh "$root/tests/bench/bench_composer.sh" "$work/catalog.db"
