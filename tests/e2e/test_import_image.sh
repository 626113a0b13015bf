#!/bin/sh
# catalog import-image on the shared image fixtures: each image imports with
# the same files as umoci unpacks from it (skopeo converts it to an OCI
# layout first), and each broken image is rejected with a clear message.
. "$(dirname "$0")/lib.sh"

catalog="$TEST_DIR/catalog.db"

import_ok() {
    expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "$@"
    expect_contains "$TEST_DIR/out" "imported "
}

import_rejected() {
    pattern=$1
    shift
    expect_status 2 "$WHITTLE" --catalog "$catalog" catalog import-image "$@"
    expect_contains "$TEST_DIR/err" "$pattern"
}

# "PATH TYPE DETAIL" per entry of a folder: sha256 for files, target for symlinks.
tree_listing() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r entry; do
        path=${entry#.}
        if [ -L "$entry" ]; then
            echo "$path symlink $(readlink "$entry")"
        elif [ -d "$entry" ]; then
            echo "$path directory"
        elif [ -f "$entry" ]; then
            echo "$path regular $(sha256sum <"$entry" | cut -d' ' -f1)"
        else
            echo "$path other"
        fi
    done)
}

# The same listing from `catalog show --json`, hardlinks as their target's content.
component_listing() {
    "$WHITTLE" --catalog "$catalog" catalog show "$1" --json | jq -r '
        .files as $files
        | ([$files[] | select(.type == "regular") | {(.path): .sha256}] | add // {}) as $sha
        | $files[]
        | if .type == "hardlink" then "\(.path) regular \($sha[.target])"
          elif .type == "regular" then "\(.path) regular \(.sha256)"
          elif .type == "symlink" then "\(.path) symlink \(.target)"
          elif .type == "directory" then "\(.path) directory"
          else "\(.path) other" end' | LC_ALL=C sort
}

# same_as_umoci SKOPEO_REF COMPONENT: compares the imported files with umoci's unpack.
same_as_umoci() {
    work="$TEST_DIR/umoci-$2"
    mkdir -p "$work"
    skopeo copy -q "$1" "oci:$work/layout:image" >/dev/null
    umoci raw unpack --rootless --image "$work/layout:image" "$work/rootfs" >/dev/null 2>&1 ||
        fail "umoci could not unpack $1"
    tree_listing "$work/rootfs" >"$work/umoci.txt"
    component_listing "$2" >"$work/whittle.txt"
    diff -u "$work/umoci.txt" "$work/whittle.txt" >&2 || fail "$2 differs from umoci's unpack of $1"
}

# ---- Images expected to import, checked against umoci ----

import_ok "docker-archive:$FIXTURES/dive/test-docker-image.tar" --name dive
expect_contains "$TEST_DIR/out" "14 layers"
same_as_umoci "docker-archive:$FIXTURES/dive/test-docker-image.tar" dive

# BusyBox with its applets as hardlinks: its content counts once.
"$WHITTLE" --catalog "$catalog" catalog show dive --json >"$TEST_DIR/dive.json"
regular=$(jq '[.files[] | select(.type == "regular" and .multicall == "busybox")] | length' "$TEST_DIR/dive.json")
[ "$regular" = 1 ] || fail "busybox stored $regular times; expected once with hardlinks"
links=$(jq '[.files[] | select(.type == "hardlink")] | length' "$TEST_DIR/dive.json")
[ "$links" -gt 300 ] || fail "expected hundreds of busybox hardlinks, got $links"

for encoding in uncompressed gzip zstd estargz; do
    import_ok "oci-archive:$FIXTURES/dive/test-oci-$encoding-image.tar" --name "oci-$encoding"
done
# The four encodings hold the same files; eStargz's own index is not one of them.
component_listing oci-uncompressed >"$TEST_DIR/uncompressed.txt"
for encoding in gzip zstd estargz; do
    component_listing "oci-$encoding" >"$TEST_DIR/$encoding.txt"
    diff -u "$TEST_DIR/uncompressed.txt" "$TEST_DIR/$encoding.txt" >&2 ||
        fail "the $encoding image differs from the uncompressed one"
done
same_as_umoci "oci-archive:$FIXTURES/dive/test-oci-gzip-image.tar" oci-gzip

import_ok "docker-archive:$FIXTURES/ggcr/hello-world-v25.tar" --name hello
same_as_umoci "docker-archive:$FIXTURES/ggcr/hello-world-v25.tar" hello

import_ok "docker-archive:$FIXTURES/ggcr/whiteout_image.tar" --name whiteout-file
same_as_umoci "docker-archive:$FIXTURES/ggcr/whiteout_image.tar" whiteout-file

import_ok "docker-archive:$FIXTURES/ggcr/whiteout_dir.tar" --name whiteout-dir
same_as_umoci "docker-archive:$FIXTURES/ggcr/whiteout_dir.tar" whiteout-dir

import_ok "docker-archive:$FIXTURES/ggcr/source_image_with_empty_layer_history.tar" --name history
same_as_umoci "docker-archive:$FIXTURES/ggcr/source_image_with_empty_layer_history.tar" history

import_ok "docker-archive:$FIXTURES/containers-image/almostempty.tar" --name almostempty
same_as_umoci "docker-archive:$FIXTURES/containers-image/almostempty.tar" almostempty

import_ok "docker-archive:$FIXTURES/ggcr/test_bundle.tar:test_image_2" --name bundle-2
import_ok "docker-archive:$FIXTURES/ggcr/test_bundle.tar:test_image_1" --name bundle-1
import_ok "oci:$FIXTURES/ggcr/layout-test_index_one_image" --name one-image
import_ok "oci:$FIXTURES/ggcr/layout-test_index:1" --name index-1
import_ok "oci:$FIXTURES/trivy/layout-test.oci" --name trivy-layout
same_as_umoci "oci:$FIXTURES/trivy/layout-test.oci" trivy-layout

# Absolute symlinks stay as written, a 0440 file keeps its mode.
import_ok "rootfs-archive:$FIXTURES/moby/tarsum-46af0962-layer.tar" --name moby-layer
"$WHITTLE" --catalog "$catalog" catalog show moby-layer --json >"$TEST_DIR/moby.json"
[ "$(jq -r '.files[] | select(.path == "/dev/stdin") | .target' "$TEST_DIR/moby.json")" = /proc/self/fd/0 ] ||
    fail "/dev/stdin lost its target"
[ "$(jq -r '.files[] | select(.path == "/etc/sudoers") | .mode' "$TEST_DIR/moby.json")" = 0440 ] ||
    fail "/etc/sudoers lost its mode 0440"

import_ok "rootfs-archive:$FIXTURES/moby/tarsum-xattr-layer.tar" --name xattr-layer
"$WHITTLE" --catalog "$catalog" catalog show xattr-layer --json >"$TEST_DIR/xattr.json"
jq -e '.files[] | select(.path == "/file") | .flags | index("capabilities")' "$TEST_DIR/xattr.json" >/dev/null ||
    fail "security.capability on /file is not classified as a capability"

# The same image content again is reported, not imported twice.
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image \
    "docker-archive:$FIXTURES/ggcr/whiteout_dir.tar" --name whiteout-dir
expect_contains "$TEST_DIR/out" "already in catalog"

# ---- Images expected to be rejected ----

import_rejected "only the 'repositories' file" "docker-archive:$FIXTURES/ggcr/no_manifest.tar"
import_rejected "manifest.json is null" "docker-archive:$FIXTURES/ggcr/null_manifest.tar"
import_rejected "manifest.json" "docker-archive:$FIXTURES/moby/emptyLayer.tar"
import_rejected "not a container image: its config has media type 'application/vnd.cncf.helm.config.v1+json'" \
    "oci:$FIXTURES/ggcr/layout-test_index_media_type"
import_rejected "holds 4 images" "oci:$FIXTURES/ggcr/layout-test_index"
import_rejected "not a container image" "oci:$FIXTURES/ggcr/layout-test_index:2"
import_rejected "holds 2 images" "docker-archive:$FIXTURES/ggcr/test_bundle.tar"
import_rejected "is not valid JSON" "oci:$FIXTURES/trivy/layout-test_bad_index_json.oci"
expect_contains "$TEST_DIR/err" "line 1, column"
import_rejected "sha256:bad744871f99e0ff8e6f253244836ed34c5d805fdb096d3a205ffaf5e9073cab" \
    "oci:$FIXTURES/trivy/layout-test_invalid_oci_image.oci"
import_rejected "lists no manifests" "oci:$FIXTURES/trivy/layout-test_no_valid_manifests.oci"

# Tags resolve through nested indexes; the layer blobs are placeholder text.
layout="$FIXTURES/containers-image/layout-delete_image_multiple_images"
import_rejected "holds 7 images" "oci:$layout"
for tag in latest 3.18.3 3 3.18 3.17.5 3.16.7 1.0.0; do
    expect_status 2 "$WHITTLE" --catalog "$catalog" catalog import-image "oci:$layout:$tag"
    grep -q "has no image named" "$TEST_DIR/err" && fail "tag $tag did not resolve"
    grep -q "sha256:" "$TEST_DIR/err" || fail "tag $tag: the error names no digest"
done

# A layer changed after the image was made: the layout digest, or for an
# uncompressed docker-archive layer the config's diff_id, no longer matches.
tampered="$TEST_DIR/tampered-layout"
cp -r "$FIXTURES/trivy/layout-test.oci" "$tampered"
chmod -R u+w "$tampered"
layer=$(jq -r '.layers[0].digest' "$tampered/blobs/sha256/$(jq -r '.manifests[0].digest' "$tampered/index.json" | cut -d: -f2)" | cut -d: -f2)
printf 'x' >>"$tampered/blobs/sha256/$layer"
import_rejected "has content with sha256:" "oci:$tampered"

archive="$TEST_DIR/tampered-archive"
mkdir -p "$archive"
tar -C "$archive" -xf "$FIXTURES/ggcr/whiteout_image.tar"
first=$(jq -r '.[0].Layers[0]' "$archive/manifest.json")
chmod u+w "$archive/$first"
tar -C "$archive" -rf "$archive/$first" manifest.json
tar -C "$archive" -cf "$TEST_DIR/tampered.tar" .
import_rejected "should equal the config's diff_id" "docker-archive:$TEST_DIR/tampered.tar"

# Every imported image keeps its metadata record referenced from the
# images table, so the record blob is never taken for garbage.
records=$(sqlite3 "$catalog" 'SELECT count(*) FROM images')
bases=$(sqlite3 "$catalog" "SELECT count(*) FROM components WHERE origin_format = 'image' AND name NOT LIKE '%/%'")
[ "$records" -gt 0 ] || fail "no image records were kept"
[ "$records" = "$bases" ] || fail "$records image records for $bases base components"
for record in $(sqlite3 "$catalog" 'SELECT record_sha256 FROM images'); do
    jq -e .reference "$(dirname "$catalog")/blobs/sha256/$record" >/dev/null ||
        fail "image record $record is not a JSON record with a reference"
done

# A failed import leaves nothing behind.
before=$("$WHITTLE" --catalog "$catalog" catalog list | wc -l)
import_rejected "lists no manifests" "oci:$FIXTURES/trivy/layout-test_no_valid_manifests.oci"
after=$("$WHITTLE" --catalog "$catalog" catalog list | wc -l)
[ "$before" = "$after" ] || fail "a rejected image changed the catalog"

echo "ok"
