#!/bin/sh
# Registry pulls against Debian's docker-registry started on 127.0.0.1 by
# this test: skopeo pushes an image and whittle imports it, anonymously and
# with htpasswd auth. (Pushes are tested in tests/unit/test_registry_push.c.)
. "$(dirname "$0")/lib.sh"

tools="$WHITTLE_SOURCE/tests/tools"
catalog="$TEST_DIR/catalog.db"
trap 'sh "$tools/registry.sh" stop "$TEST_DIR/open"; sh "$tools/registry.sh" stop "$TEST_DIR/auth"; rm -rf "$TEST_DIR"' EXIT

# Keep the user's auth files out of the test.
export HOME="$TEST_DIR/home"
mkdir -p "$HOME"
unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_RUNTIME_DIR

image="oci-archive:$FIXTURES/dive/test-oci-gzip-image.tar"
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "$image" --name local
"$WHITTLE" --catalog "$catalog" catalog show local --json | jq -c '.files' >"$TEST_DIR/local.json"

# ---- anonymous ----
port=$(sh "$tools/registry.sh" start "$TEST_DIR/open")
skopeo copy -q --dest-tls-verify=false "$image" "docker://127.0.0.1:$port/test/dive:v1"

# TLS is verified unless asked otherwise, and this registry has none.
expect_status 2 "$WHITTLE" --catalog "$catalog" catalog import-image "docker://127.0.0.1:$port/test/dive:v1"
expect_contains "$TEST_DIR/err" "--tls-verify=false"

expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image \
    "docker://127.0.0.1:$port/test/dive:v1" --tls-verify=false --name pulled
"$WHITTLE" --catalog "$catalog" catalog show pulled --json | jq -c '.files' >"$TEST_DIR/pulled.json"
cmp -s "$TEST_DIR/local.json" "$TEST_DIR/pulled.json" || fail "the pulled image differs from the archive"

# By digest, as skopeo reports it.
digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://127.0.0.1:$port/test/dive:v1")
expect_status 0 "$WHITTLE" inspect "docker://127.0.0.1:$port/test/dive@$digest" --tls-verify=false --policy none --json
[ "$(jq -r '.manifest_digest' "$TEST_DIR/out")" = "$digest" ] || fail "inspect by digest reports another manifest"

expect_status 2 "$WHITTLE" --catalog "$catalog" catalog import-image \
    "docker://127.0.0.1:$port/test/missing:v1" --tls-verify=false
expect_contains "$TEST_DIR/err" "404"

# ---- htpasswd ----
auth_port=$(sh "$tools/registry.sh" start "$TEST_DIR/auth" alice 'pa55-word')
skopeo copy -q --dest-tls-verify=false --dest-creds 'alice:pa55-word' "$image" \
    "docker://127.0.0.1:$auth_port/private/dive:v1"
ref="docker://127.0.0.1:$auth_port/private/dive:v1"

expect_status 2 "$WHITTLE" --catalog "$catalog" catalog import-image "$ref" --tls-verify=false
expect_contains "$TEST_DIR/err" "requires credentials"

expect_status 2 "$WHITTLE" --catalog "$catalog" catalog import-image "$ref" --tls-verify=false \
    --creds 'alice:wrong-secret'
grep -q "wrong-secret" "$TEST_DIR/err" "$TEST_DIR/out" && fail "a password was printed"

expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "$ref" --tls-verify=false \
    --creds 'alice:pa55-word' --name private
grep -q "pa55-word" "$TEST_DIR/err" "$TEST_DIR/out" && fail "a password was printed"

# Credentials from $REGISTRY_AUTH_FILE, as written by `skopeo login`.
export REGISTRY_AUTH_FILE="$TEST_DIR/auth.json"
skopeo login -u alice -p 'pa55-word' --tls-verify=false "127.0.0.1:$auth_port" >/dev/null 2>&1 ||
    fail "skopeo login failed"
expect_status 0 "$WHITTLE" inspect "$ref" --tls-verify=false --policy none
grep -q "pa55-word" "$TEST_DIR/err" "$TEST_DIR/out" && fail "a password was printed"

echo "ok"
