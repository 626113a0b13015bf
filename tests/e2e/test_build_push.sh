#!/bin/sh
# `whittle build -o docker://...` against Debian's docker-registry started on
# 127.0.0.1 by this test: the pushed manifest has the digest the build
# printed, skopeo reads it back, and no temporary layout is left in $TMPDIR.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/build_lib.sh"

command -v skopeo >/dev/null || fail "skopeo is missing; run make deps"
tools="$WHITTLE_SOURCE/tests/tools"
trap 'sh "$tools/registry.sh" stop "$TEST_DIR/registry"; rm -rf "$TEST_DIR"' EXIT

# Keep the user's auth files out of the test.
export HOME="$TEST_DIR/home"
mkdir -p "$HOME" "$TEST_DIR/spec" "$TEST_DIR/tmp"
unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_RUNTIME_DIR

catalog=$(seeded_catalog)
write_app_spec "$TEST_DIR/spec"
spec="$TEST_DIR/spec/spec.json"
port=$(sh "$tools/registry.sh" start "$TEST_DIR/registry")
reference="docker://127.0.0.1:$port/test/app:v1"

# TLS is verified unless asked otherwise, and this registry has none.
expect_status 2 env TMPDIR="$TEST_DIR/tmp" "$WHITTLE" --catalog "$catalog" build "$spec" -o "$reference"
[ -z "$(ls -A "$TEST_DIR/tmp")" ] || fail "a failed push left $(ls -A "$TEST_DIR/tmp") in TMPDIR"

expect_status 0 env TMPDIR="$TEST_DIR/tmp" "$WHITTLE" --catalog "$catalog" build "$spec" -o "$reference" --tls-verify=false
digest=$(tail -n 1 "$TEST_DIR/out")
[ -z "$(ls -A "$TEST_DIR/tmp")" ] || fail "the push left $(ls -A "$TEST_DIR/tmp") in TMPDIR"

expect_status 0 skopeo inspect --tls-verify=false "$reference"
[ "$(jq -r .Digest "$TEST_DIR/out")" = "$digest" ] || fail "the registry has $(jq -r .Digest "$TEST_DIR/out"), the build printed $digest"

# The pushed image is the one an oci: build of the same spec writes.
expect_status 0 "$WHITTLE" --catalog "$catalog" build "$spec" -o "oci:$TEST_DIR/oci"
[ "$(tail -n 1 "$TEST_DIR/out")" = "$digest" ] || fail "the oci: build printed another digest than the push"
echo "ok"
