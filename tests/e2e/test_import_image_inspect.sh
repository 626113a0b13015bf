#!/bin/sh
# whittle inspect: per-layer sizes and wasted bytes, classification, policy
# findings and exit codes, without touching any catalog.
. "$(dirname "$0")/lib.sh"

dive="docker-archive:$FIXTURES/dive/test-docker-image.tar"

expect_status 0 "$WHITTLE" inspect "$dive" --policy none
expect_contains "$TEST_DIR/out" "layers:"
expect_contains "$TEST_DIR/out" "/bin/busybox"
expect_contains "$TEST_DIR/out" "multicall"
[ ! -e "$XDG_DATA_HOME/whittle/catalog.db" ] || fail "inspect created the default catalog"

expect_status 0 "$WHITTLE" inspect "$dive" --policy none --json
cp "$TEST_DIR/out" "$TEST_DIR/dive.json"
[ "$(jq '.layers | length' "$TEST_DIR/dive.json")" = 14 ] || fail "expected 14 layers"
[ "$(jq '.file_list | length' "$TEST_DIR/dive.json")" = 423 ] || fail "expected 423 files"
[ "$(jq '.wasted_bytes' "$TEST_DIR/dive.json")" = "$(jq '[.layers[].wasted_bytes] | add' "$TEST_DIR/dive.json")" ] ||
    fail "wasted bytes per layer do not add up to the total"
[ "$(jq '.wasted_bytes > 0' "$TEST_DIR/dive.json")" = true ] ||
    fail "files overwritten by later layers should count as wasted"
jq -e '.file_list[] | select(.path == "/bin/sh") | .flags | index("shell")' "$TEST_DIR/dive.json" >/dev/null ||
    fail "/bin/sh is not classified as a shell"

# The strict profile rejects BusyBox and a root user: exit status 1, as for check.
expect_status 1 "$WHITTLE" inspect "$dive" --policy strict
expect_contains "$TEST_DIR/out" "no-multicall"
expect_contains "$TEST_DIR/out" "non-root-user"

# A security.capability xattr counts as a capability.
expect_status 1 "$WHITTLE" inspect "rootfs-archive:$FIXTURES/moby/tarsum-xattr-layer.tar" --policy strict --json
jq -e '.file_list[] | select(.path == "/file") | .flags | index("capabilities")' "$TEST_DIR/out" >/dev/null ||
    fail "/file is not classified as having capabilities"

# An existing catalog given with --catalog is left exactly as it was.
catalog="$TEST_DIR/catalog.db"
"$WHITTLE" --catalog "$catalog" catalog import-image "docker-archive:$FIXTURES/ggcr/whiteout_dir.tar" >/dev/null
before=$(sha256sum "$catalog" | cut -d' ' -f1)
expect_status 0 "$WHITTLE" --catalog "$catalog" inspect "$dive" --policy none
after=$(sha256sum "$catalog" | cut -d' ' -f1)
[ "$before" = "$after" ] || fail "inspect changed the catalog"

# Errors are reported like import errors.
expect_status 2 "$WHITTLE" inspect "oci:$FIXTURES/trivy/layout-test_no_valid_manifests.oci"
expect_contains "$TEST_DIR/err" "lists no manifests"
expect_status 2 "$WHITTLE" inspect "$dive" --policy "$TEST_DIR/missing-policy.json"

# A reader that closes the pipe early must not leave the temporary catalog behind.
mkdir "$TEST_DIR/scratch"
TMPDIR="$TEST_DIR/scratch" "$WHITTLE" inspect "$dive" | true
[ -z "$(ls -A "$TEST_DIR/scratch")" ] || fail "inspect with a closed pipe left $(ls "$TEST_DIR/scratch") behind"

echo "ok"
