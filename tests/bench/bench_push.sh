#!/bin/sh
# Times pushing a BENCH_PUSH_MB MiB image (default 200) to Debian's
# docker-registry on 127.0.0.1, which this script starts and stops
# (tests/tools/registry.sh). The image is built once by whittle into an OCI
# layout; the contenders, run alternately, then push that layout:
#
#   whittle push oci:DIR docker://...    the measured figure
#   skopeo copy oci:DIR docker://...     the baseline
#
# The target is at most 1.0 times skopeo. Two informative lines follow:
# `whittle build SPEC -o docker://...`, which builds the layer and pushes it,
# and `whittle build -o oci:DIR`, the build part alone. Every push goes to a
# registry started afresh with empty storage, so no blob can be skipped as
# already present or mounted from another repository (skopeo remembers where
# it pushed a blob before and tries to mount it from there). The tree comes
# from build/bench/gen_tree (mostly random bytes, so gzip gains little).
# Each figure is the median of BENCH_RUNS runs (default 3); BENCH_KEEP=1
# keeps the work folder.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
: "${WHITTLE:?set WHITTLE to the whittle binary}"
runs=${BENCH_RUNS:-3}
for program in skopeo docker-registry curl python3 awk; do
    if ! command -v "$program" >/dev/null; then
        echo "push: skipped: $program is missing; run make deps"
        exit 0
    fi
done
if ! "$WHITTLE" push --help >/dev/null 2>&1; then
    echo "push: skipped: this whittle build has no push command"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/whittle-bench-push.XXXXXX")
registry_dir=""
cleanup() {
    if [ -n "$registry_dir" ]; then
        sh "$root/tests/tools/registry.sh" stop "$registry_dir" 2>/dev/null || true
    fi
    if [ "${BENCH_KEEP:-0}" != 1 ]; then
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# seconds COMMAND...: runs COMMAND with its output discarded and prints its
# wall time in seconds.
seconds() {
    start=$(date +%s%N)
    "$@" >/dev/null 2>"$work/stderr" || {
        echo "bench_push: failed: $*" >&2
        cat "$work/stderr" >&2
        exit 1
    }
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# --- the image: a generated tree imported once, built once into a layout ---
"$root/build/bench/gen_tree" "$work/tree" "${BENCH_PUSH_MB:-200}" 11 >/dev/null
catalog="$work/catalog/catalog.db"
"$WHITTLE" --catalog "$catalog" catalog import "$work/tree" --name pushed --version 1 >/dev/null
printf '{"components": ["pushed"], "policy": "none"}\n' >"$work/spec.json"
"$WHITTLE" --catalog "$catalog" build "$work/spec.json" -o "oci:$work/layout:1" >/dev/null
echo "push: image of $(du -sm "$work/layout/blobs" | cut -f1) MiB of blobs" \
     "from a $(du -sm "$work/tree" | cut -f1) MiB tree"

# fresh_registry NAME: stops the previous registry, starts one with empty
# storage in $work/NAME and sets $registry to its address.
fresh_registry() {
    if [ -n "$registry_dir" ]; then
        sh "$root/tests/tools/registry.sh" stop "$registry_dir"
    fi
    registry_dir="$work/$1"
    registry="127.0.0.1:$(sh "$root/tests/tools/registry.sh" start "$registry_dir")"
}

: >"$work/ours"
: >"$work/skopeo"
: >"$work/build-push"
: >"$work/build"
for run in $(seq 1 "$runs"); do
    fresh_registry "registry-skopeo-$run"
    seconds skopeo copy -q --dest-tls-verify=false "oci:$work/layout:1" \
        "docker://$registry/bench/image:1" >>"$work/skopeo"
    fresh_registry "registry-whittle-$run"
    seconds "$WHITTLE" push --tls-verify=false "oci:$work/layout:1" \
        "docker://$registry/bench/image:1" >>"$work/ours"
    fresh_registry "registry-build-$run"
    seconds "$WHITTLE" --catalog "$catalog" build "$work/spec.json" --tls-verify=false \
        -o "docker://$registry/bench/image:1" >>"$work/build-push"
    seconds "$WHITTLE" --catalog "$catalog" build "$work/spec.json" \
        -o "oci:$work/build-$run:1" >>"$work/build"
done

awk -v ours="$(median <"$work/ours")" -v base="$(median <"$work/skopeo")" \
    -v build_push="$(median <"$work/build-push")" -v build="$(median <"$work/build")" 'BEGIN {
    ratio = ours / base
    printf "%-34s whittle %7.2f s  baseline %7.2f s  ratio %5.2fx  target <= 1.0x  %s\n",
           "push vs skopeo copy", ours, base, ratio, ratio <= 1.0 ? "PASS" : "MISS"
    printf "%-34s whittle %7.2f s  (informative: builds the image, then pushes it)\n",
           "build -o docker:// (build + push)", build_push
    printf "%-34s whittle %7.2f s  (informative: the build part of the push)\n",
           "build to oci: alone", build
}'
