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
# A missing tag is named, with what to check.
expect_status 2 "$WHITTLE" --catalog "$catalog" catalog import-image \
    "docker://127.0.0.1:$port/test/dive:nope" --tls-verify=false
expect_contains "$TEST_DIR/err" "nope is not in the registry; check the tag or digest"

# ---- a multi-platform index: the host's platform is chosen ----
multi="$TEST_DIR/multi"
skopeo copy -q "oci:$FIXTURES/trivy/layout-test.oci" "oci:$multi:amd64"
skopeo copy -q "$image" "oci:$multi:arm64"
descriptor() {
    jq --arg tag "$1" --arg arch "$1" '.manifests[]
        | select(.annotations["org.opencontainers.image.ref.name"] == $tag)
        | {mediaType, digest, size, platform: {architecture: $arch, os: "linux"}}' "$multi/index.json"
}
jq -n -c --argjson a "$(descriptor amd64)" --argjson b "$(descriptor arm64)" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [$b, $a]}' \
    >"$TEST_DIR/index.json"
index_sum=$(sha256sum <"$TEST_DIR/index.json" | cut -d' ' -f1)
cp "$TEST_DIR/index.json" "$multi/blobs/sha256/$index_sum"
jq --arg digest "sha256:$index_sum" --argjson size "$(wc -c <"$TEST_DIR/index.json")" \
    '.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $digest,
      size: $size, annotations: {"org.opencontainers.image.ref.name": "multi"}}]' \
    "$multi/index.json" >"$TEST_DIR/top.json"
cp "$TEST_DIR/top.json" "$multi/index.json"
skopeo copy -q --all --dest-tls-verify=false "oci:$multi:multi" "docker://127.0.0.1:$port/test/multi:v1"

case $(uname -m) in
x86_64) host_arch=amd64 ;;
aarch64) host_arch=arm64 ;;
*) host_arch= ;;
esac
if [ -n "$host_arch" ]; then
    expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "oci:$multi:$host_arch" --name "single-$host_arch"
    "$WHITTLE" --catalog "$catalog" catalog show "single-$host_arch" --json | jq -c '.files' >"$TEST_DIR/single.json"
    expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "oci:$multi:multi" --name multi-layout
    "$WHITTLE" --catalog "$catalog" catalog show multi-layout --json | jq -c '.files' >"$TEST_DIR/multi-layout.json"
    cmp -s "$TEST_DIR/single.json" "$TEST_DIR/multi-layout.json" || fail "the layout index did not resolve to $host_arch"
    expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image \
        "docker://127.0.0.1:$port/test/multi:v1" --tls-verify=false --name multi-pulled
    "$WHITTLE" --catalog "$catalog" catalog show multi-pulled --json | jq -c '.files' >"$TEST_DIR/multi-pulled.json"
    cmp -s "$TEST_DIR/single.json" "$TEST_DIR/multi-pulled.json" || fail "the registry index did not resolve to $host_arch"
fi

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
