#!/bin/sh
# `whittle build` gives the same bytes in different environments: two
# catalogs that imported the same packages in opposite orders, two locales,
# time zones, umasks and working directories, one or two compression threads,
# for every destination kind and both layerings.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/build_lib.sh"

# The seed fills the .deb cache that both catalogs import from.
seeded_catalog >/dev/null

forward=""
reverse=""
for name in tini ca-certificates tzdata netbase media-types catatonit libc6; do
    file=$(deb_file "$name")
    forward="$forward $file"
    reverse="$file $reverse"
done
# shellcheck disable=SC2086 # the lists are space-separated paths without spaces
expect_status 0 "$WHITTLE" --catalog "$TEST_DIR/a/catalog.db" catalog import $forward
# shellcheck disable=SC2086
expect_status 0 "$WHITTLE" --catalog "$TEST_DIR/b/catalog.db" catalog import $reverse

mkdir -p "$TEST_DIR/spec" "$TEST_DIR/cwd-a" "$TEST_DIR/cwd-b"
write_app_spec "$TEST_DIR/spec"
spec="$TEST_DIR/spec/spec.json"

# build SIDE LAYERS: builds every destination kind for one side into $TEST_DIR/SIDE-LAYERS
# and leaves the oci: digest in $TEST_DIR/SIDE-LAYERS.digest.
build() {
    side=$1
    layers=$2
    out="$TEST_DIR/$side-$layers"
    mkdir -p "$out"
    if [ "$side" = a ]; then
        environment="TZ=UTC LANG=C"
        mask=022
        threads=1
    else
        environment="TZ=Asia/Kolkata LC_ALL=C.UTF-8"
        mask=077
        threads=2
    fi
    for destination in "oci:$out/oci:v1" "oci-archive:$out/image.tar:v1" \
        "docker-archive:$out/docker.tar:app:v1" "rootfs:$out/rootfs"; do
        # shellcheck disable=SC2086 # environment holds NAME=VALUE words
        expect_status 0 env -u SOURCE_DATE_EPOCH -u LC_ALL -u LANG $environment sh -c \
            'umask $1; cd "$2" && exec "$3" --catalog "$4" build "$5" -o "$6" --layers "$7" --threads "$8" --sbom "$9"' \
            sh "$mask" "$TEST_DIR/cwd-$side" "$WHITTLE" "$TEST_DIR/$side/catalog.db" "$spec" \
            "$destination" "$layers" "$threads" "$out/sbom-${destination%%:*}.json"
        digest=$(tail -n 1 "$TEST_DIR/out")
        case "$digest" in sha256:????????????????????????????????????????????????????????????????) ;;
            *) fail "the last line of stdout is not a digest: '$digest'" ;; esac
        if [ -f "$out.digest" ]; then
            [ "$(cat "$out.digest")" = "$digest" ] || fail "$destination: digest $digest differs from the oci: build's $(cat "$out.digest")"
        else
            echo "$digest" >"$out.digest"
        fi
    done
}

for layers in single per-component; do
    build a "$layers"
    build b "$layers"
    [ "$(cat "$TEST_DIR/a-$layers.digest")" = "$(cat "$TEST_DIR/b-$layers.digest")" ] ||
        fail "$layers: the two environments gave digests $(cat "$TEST_DIR/a-$layers.digest") and $(cat "$TEST_DIR/b-$layers.digest")"

    # Byte-identical files, with the same names, types and modes.
    (cd "$TEST_DIR/a-$layers" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort) >"$TEST_DIR/a.list"
    (cd "$TEST_DIR/b-$layers" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort) >"$TEST_DIR/b.list"
    cmp -s "$TEST_DIR/a.list" "$TEST_DIR/b.list" || {
        diff "$TEST_DIR/a.list" "$TEST_DIR/b.list" >&2 || true
        fail "$layers: the two builds hold different file lists"
    }
    (cd "$TEST_DIR/a-$layers" && find . -type f) | while read -r file; do
        cmp -s "$TEST_DIR/a-$layers/$file" "$TEST_DIR/b-$layers/$file" || fail "$layers: $file differs between the two builds"
    done
done

# The two layerings are different images.
[ "$(cat "$TEST_DIR/a-single.digest")" != "$(cat "$TEST_DIR/a-per-component.digest")" ] ||
    fail "single and per-component layering gave the same digest"
layer_count=$(jq '.layers | length' "$(oci_manifest "$TEST_DIR/a-per-component/oci")")
[ "$layer_count" = 5 ] || fail "per-component: expected 5 layers (ca-certificates, local-files, tini, tzdata, accounts), got $layer_count"

# SOURCE_DATE_EPOCH overrides the spec's source-date-epoch.
expect_status 0 env SOURCE_DATE_EPOCH=86400 "$WHITTLE" --catalog "$TEST_DIR/a/catalog.db" build "$spec" -o "oci:$TEST_DIR/epoch"
[ "$(jq -r .created "$(oci_config "$TEST_DIR/epoch")")" = 1970-01-02T00:00:00Z ] || fail "SOURCE_DATE_EPOCH=86400 did not set created"
[ "$(jq -r .created "$(oci_config "$TEST_DIR/a-single/oci")")" = 2023-11-14T22:13:20Z ] || fail "the spec's source-date-epoch did not set created"
expect_status 2 env SOURCE_DATE_EPOCH=yesterday "$WHITTLE" --catalog "$TEST_DIR/a/catalog.db" build "$spec" -o "oci:$TEST_DIR/bad-epoch"
expect_contains "$TEST_DIR/err" "invalid SOURCE_DATE_EPOCH 'yesterday'"
[ ! -e "$TEST_DIR/bad-epoch" ] || fail "a rejected build left $TEST_DIR/bad-epoch"

# The spec's compression-level sets the gzip level and --compression-level
# overrides it; both builds at level 9 are one image, smaller than level 1's.
jq '. + {"compression-level": 9}' "$spec" >"$TEST_DIR/spec/spec-9.json"
expect_status 0 "$WHITTLE" --catalog "$TEST_DIR/a/catalog.db" build "$TEST_DIR/spec/spec-9.json" -o "oci:$TEST_DIR/level-9"
from_spec=$(tail -n 1 "$TEST_DIR/out")
expect_status 0 "$WHITTLE" --catalog "$TEST_DIR/a/catalog.db" build "$spec" -o "oci:$TEST_DIR/level-9-flag" --compression-level 9
[ "$(tail -n 1 "$TEST_DIR/out")" = "$from_spec" ] || fail "--compression-level 9 and the spec's compression-level 9 gave different images"
[ "$from_spec" != "$(cat "$TEST_DIR/a-single.digest")" ] || fail "level 9 gave the digest of the default level"
layer_size() {
    jq '.layers[0].size' "$(oci_manifest "$1")"
}
[ "$(layer_size "$TEST_DIR/level-9")" -lt "$(layer_size "$TEST_DIR/a-single/oci")" ] ||
    fail "the level 9 layer is not smaller than the default level's"
# The default is level 1, and the help prints that default.
expect_status 0 "$WHITTLE" --catalog "$TEST_DIR/a/catalog.db" build "$spec" -o "oci:$TEST_DIR/level-1" --compression-level 1
[ "$(tail -n 1 "$TEST_DIR/out")" = "$(cat "$TEST_DIR/a-single.digest")" ] || fail "--compression-level 1 is not the default"
expect_status 0 "$WHITTLE" build --help
expect_contains "$TEST_DIR/out" 'default: the spec'"'"'s "compression-level", else 1'
expect_status 2 "$WHITTLE" --catalog "$TEST_DIR/a/catalog.db" build "$spec" -o "oci:$TEST_DIR/level-0" --compression-level 0
expect_contains "$TEST_DIR/err" "invalid --compression-level '0'"
jq '. + {"compression-level": 10}' "$spec" >"$TEST_DIR/spec/spec-10.json"
expect_status 2 "$WHITTLE" --catalog "$TEST_DIR/a/catalog.db" build "$TEST_DIR/spec/spec-10.json" -o "oci:$TEST_DIR/level-10"
expect_contains "$TEST_DIR/err" "compression-level"
[ ! -e "$TEST_DIR/level-0" ] && [ ! -e "$TEST_DIR/level-10" ] || fail "a rejected build left its destination"
echo "ok"
