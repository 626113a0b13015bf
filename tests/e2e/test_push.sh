#!/bin/sh
# `whittle push SRC DEST` against Debian's docker-registry started on
# 127.0.0.1 by this test. An oci: layout and an oci-archive: are pushed, and
# skopeo reads back the digest whittle printed. Bad references and a port
# nothing listens on fail within seconds, with exit status 2 and a message
# that names the fault.
. "$(dirname "$0")/lib.sh"

command -v skopeo >/dev/null || fail "skopeo is missing; run make deps"
tools="$WHITTLE_SOURCE/tests/tools"
trap 'sh "$tools/registry.sh" stop "$TEST_DIR/registry"; rm -rf "$TEST_DIR"' EXIT

# Keep the user's auth files out of the test.
export HOME="$TEST_DIR/home"
mkdir -p "$HOME"
unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_RUNTIME_DIR

layout="$TEST_DIR/layout"
skopeo copy -q "oci-archive:$FIXTURES/dive/test-oci-gzip-image.tar" "oci:$layout:v1"
port=$(sh "$tools/registry.sh" start "$TEST_DIR/registry")
registry="127.0.0.1:$port"

# digest_of REFERENCE: prints the manifest digest skopeo reads from the registry.
digest_of() {
    skopeo inspect --tls-verify=false --format '{{.Digest}}' "$1"
}

# ---- an OCI layout ----
# TLS is verified unless asked otherwise, and this registry has none.
expect_status 2 "$WHITTLE" push "oci:$layout:v1" "docker://$registry/test/push:v1"
expect_contains "$TEST_DIR/err" "--tls-verify=false"

expect_status 0 "$WHITTLE" push "oci:$layout:v1" "docker://$registry/test/push:v1" --tls-verify=false
digest=$(tail -n 1 "$TEST_DIR/out")
case $digest in
sha256:*) ;;
*) fail "the last line of output is '$digest', not a sha256 digest" ;;
esac
[ "$(digest_of "docker://$registry/test/push:v1")" = "$digest" ] \
    || fail "the registry has $(digest_of "docker://$registry/test/push:v1"), whittle printed $digest"
[ "$(jq -r '.manifests[0].digest' "$layout/index.json")" = "$digest" ] \
    || fail "whittle printed $digest, which is not the layout's manifest"

# skopeo copies every blob back and checks each digest itself.
skopeo copy -q --src-tls-verify=false "docker://$registry/test/push:v1" "oci:$TEST_DIR/copied:v1" \
    || fail "skopeo could not copy the pushed image back"

# A second push to another tag finds every blob present.
expect_status 0 "$WHITTLE" push "oci:$layout:v1" "docker://$registry/test/push:v2" --tls-verify=false
expect_contains "$TEST_DIR/err" "already exists"
[ "$(tail -n 1 "$TEST_DIR/out")" = "$digest" ] || fail "the second push printed another digest"

# Without a tag the layout's only image is pushed, and the tag defaults to latest.
expect_status 0 "$WHITTLE" push "oci:$layout" "docker://$registry/test/untagged" --tls-verify=false
[ "$(digest_of "docker://$registry/test/untagged:latest")" = "$digest" ] \
    || fail "the untagged push did not land under latest"

# ---- an oci-archive ----
archive="$TEST_DIR/image.tar"
skopeo copy -q "oci:$layout:v1" "oci-archive:$archive:v1"
mkdir -p "$TEST_DIR/tmp"
expect_status 0 env TMPDIR="$TEST_DIR/tmp" "$WHITTLE" push "oci-archive:$archive:v1" \
    "docker://$registry/test/archive:v1" --tls-verify=false
[ "$(digest_of "docker://$registry/test/archive:v1")" = "$(tail -n 1 "$TEST_DIR/out")" ] \
    || fail "the registry has another digest than whittle printed for the archive"
[ -z "$(ls -A "$TEST_DIR/tmp")" ] || fail "the push left $(ls -A "$TEST_DIR/tmp") in TMPDIR"

# ---- bad references ----
expect_status 2 "$WHITTLE" push "docker://$registry/test/push:v1" "docker://$registry/test/copy:v1"
expect_contains "$TEST_DIR/err" "invalid SRC"
expect_status 2 "$WHITTLE" push "oci:$layout:v1" "oci:$TEST_DIR/other:v1"
expect_contains "$TEST_DIR/err" "invalid DEST"
expect_status 2 "$WHITTLE" push "oci:$layout:v1" "docker://$registry/test/push@sha256:$(printf '%064d' 0)"
expect_contains "$TEST_DIR/err" "not a digest"
expect_status 2 "$WHITTLE" push "oci:$layout:v1" "docker://"
expect_contains "$TEST_DIR/err" "docker://"
expect_status 2 "$WHITTLE" push "oci:$layout:nope" "docker://$registry/test/push:v1" --tls-verify=false
expect_contains "$TEST_DIR/err" "no image named 'nope'"
expect_status 2 "$WHITTLE" push "oci:$TEST_DIR/missing:v1" "docker://$registry/test/push:v1" --tls-verify=false
expect_contains "$TEST_DIR/err" "missing"
expect_status 2 "$WHITTLE" push "oci:$layout:v1"
expect_contains "$TEST_DIR/err" "missing DEST"

# ---- an unreachable registry: a port nothing listens on ----
closed=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()')
start=$(date +%s)
expect_status 2 "$WHITTLE" push "oci:$layout:v1" "docker://127.0.0.1:$closed/test/push:v1" --tls-verify=false
elapsed=$(( $(date +%s) - start ))
expect_contains "$TEST_DIR/err" "127.0.0.1:$closed"
expect_contains "$TEST_DIR/err" "connect"
[ "$elapsed" -lt 30 ] || fail "an unreachable registry took $elapsed s to report"
echo "ok"
