#!/bin/sh
# Images from `whittle build` checked by independent readers: skopeo inspects
# and copies them, umoci unpacks them, layer diff_ids equal the sha256 of the
# gunzipped layers, and tini-static from the image runs the spec's static
# binary in a chroot of the unpacked tree, which contains no shell.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/build_lib.sh"

for program in skopeo umoci unshare chroot; do
    command -v "$program" >/dev/null || fail "$program is missing; run make deps"
done
catalog=$(seeded_catalog)
mkdir -p "$TEST_DIR/spec"
write_app_spec "$TEST_DIR/spec"
spec="$TEST_DIR/spec/spec.json"

expect_status 0 "$WHITTLE" --catalog "$catalog" build "$spec" -o "oci:$TEST_DIR/oci:v1" --layers per-component
digest=$(tail -n 1 "$TEST_DIR/out")

# --- skopeo reads the layout and the config it describes ---
expect_status 0 skopeo inspect "oci:$TEST_DIR/oci:v1"
[ "$(jq -r .Digest "$TEST_DIR/out")" = "$digest" ] || fail "skopeo reports digest $(jq -r .Digest "$TEST_DIR/out"), whittle printed $digest"
[ "$(jq -r .Architecture "$TEST_DIR/out")" = amd64 ] || fail "architecture is not amd64"
expect_status 0 skopeo inspect --config "oci:$TEST_DIR/oci:v1"
cp "$TEST_DIR/out" "$TEST_DIR/config.json"
for check in '.config.User == "65532:65532"' \
    '.config.Entrypoint == ["/usr/bin/tini-static", "--"]' \
    '.config.Cmd == ["/app", "in", "a", "container"]' \
    '.config.Env == ["TZ=Europe/Paris"]' \
    '.config.WorkingDir == "/home/app"' \
    '.config.ExposedPorts == {"8080/tcp": {}}' \
    '.config.StopSignal == "SIGTERM"' \
    '.config.Labels == {"org.opencontainers.image.title": "app"}' \
    '.created == "2023-11-14T22:13:20Z"' \
    '[.history[].created] | unique == ["2023-11-14T22:13:20Z"]' \
    '(.history | length) == (.rootfs.diff_ids | length)'; do
    jq -e "$check" "$TEST_DIR/config.json" >/dev/null || fail "config check failed: $check"
done

# --- diff_ids are the sha256 of the uncompressed layers ---
manifest=$(oci_manifest "$TEST_DIR/oci")
i=0
for layer in $(jq -r '.layers[].digest' "$manifest" | cut -c8-); do
    actual=$(gunzip -c "$TEST_DIR/oci/blobs/sha256/$layer" | sha256sum | cut -d' ' -f1)
    expected=$(jq -r ".rootfs.diff_ids[$i]" "$TEST_DIR/config.json" | cut -c8-)
    [ "$actual" = "$expected" ] || fail "layer $i: gunzip | sha256sum gives $actual, the config has $expected"
    i=$((i + 1))
done
[ "$i" -ge 2 ] || fail "expected several layers with --layers per-component, got $i"

# --- skopeo copies it into a docker-archive, umoci unpacks it ---
expect_status 0 skopeo copy "oci:$TEST_DIR/oci:v1" "docker-archive:$TEST_DIR/copy.tar:app:v1"
[ -s "$TEST_DIR/copy.tar" ] || fail "skopeo copy wrote no docker-archive"
expect_status 0 umoci unpack --image "$TEST_DIR/oci:v1" "$TEST_DIR/bundle"
rootfs="$TEST_DIR/bundle/rootfs"
[ -x "$rootfs/usr/bin/tini-static" ] || fail "umoci unpacked no /usr/bin/tini-static"
cmp -s "$rootfs/app" "$TEST_DIR/spec/app" || fail "/app in the unpacked image differs from the spec's file"
[ "$(stat -c '%a %u %g' "$rootfs/app")" = "755 65532 65532" ] || fail "/app is not 0755 and owned by the spec's user app (65532:65532)"
expect_contains "$rootfs/etc/passwd" "app:x:65532:65532::/home/app:/usr/sbin/nologin"
[ "$(stat -c %a "$rootfs/tmp")" = 1777 ] || fail "/tmp is not 1777"
[ "$(stat -c '%a %u' "$rootfs/home/app")" = "700 65532" ] || fail "/home/app is not 0700 and owned by 65532"

# --- the entrypoint runs the binary in a chroot of the unpacked tree ---
if [ "$(id -u)" = 0 ]; then
    entrypoint=$(jq -r '.config.Entrypoint + .config.Cmd | join(" ")' "$TEST_DIR/config.json")
    # shellcheck disable=SC2086 # the entrypoint and cmd words contain no spaces
    expect_status 0 unshare --fork --pid --mount chroot "$rootfs" $entrypoint
    [ "$(cat "$TEST_DIR/out")" = "hello from a static app in a container" ] ||
        fail "the entrypoint printed '$(cat "$TEST_DIR/out")'"

    # rootfs: output runs the same way.
    expect_status 0 "$WHITTLE" --catalog "$catalog" build "$spec" -o "rootfs:$TEST_DIR/rootfs"
    expect_status 0 unshare --fork --pid --mount chroot "$TEST_DIR/rootfs" /usr/bin/tini-static -- /app
    expect_contains "$TEST_DIR/out" "hello from a static app"
else
    echo "skipped the chroot run: unshare --pid needs root"
fi

# --- no shell: no /bin/sh and no file whittle classifies as a shell ---
[ ! -e "$rootfs/bin/sh" ] && [ ! -L "$rootfs/bin/sh" ] || fail "the image holds /bin/sh"
expect_status 0 "$WHITTLE" inspect "oci:$TEST_DIR/oci:v1" --json --policy none
shells=$(jq -r '[.file_list[] | select(.flags | index("shell")) | .path] | join(" ")' "$TEST_DIR/out")
[ -z "$shells" ] || fail "the image holds files classified as shells: $shells"

# The same check finds the shell of an image that has one, so it can fail.
cat >"$TEST_DIR/shell.json" <<'SPEC'
{"components": ["sash"], "policy": "none"}
SPEC
expect_status 0 "$WHITTLE" --catalog "$catalog" build "$TEST_DIR/shell.json" -o "oci:$TEST_DIR/shell"
expect_status 0 "$WHITTLE" inspect "oci:$TEST_DIR/shell" --json --policy none
shells=$(jq -r '[.file_list[] | select(.flags | index("shell")) | .path] | join(" ")' "$TEST_DIR/out")
[ -n "$shells" ] || fail "inspect found no shell in an image built from sash"

# --- docker-archive output: skopeo reads it with the same digest of the config ---
expect_status 0 "$WHITTLE" --catalog "$catalog" build "$spec" -o "docker-archive:$TEST_DIR/docker.tar:app:v1" --layers per-component
[ "$(tail -n 1 "$TEST_DIR/out")" = "$digest" ] || fail "docker-archive build printed another digest than the oci: build"
expect_status 0 skopeo inspect --config "docker-archive:$TEST_DIR/docker.tar"
[ "$(jq -S -c . "$TEST_DIR/out")" = "$(jq -S -c . "$TEST_DIR/config.json")" ] || fail "the docker-archive config differs from the OCI config"
echo "ok"
