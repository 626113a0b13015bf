#!/bin/sh
# The image writer checked by independent readers: skopeo and umoci read what
# it writes, layer diff_ids equal the sha256 of the gunzipped blobs, and two
# writes in different environments give byte-identical files. The writer is
# driven through the test_image binary's --write mode (tests/unit/test_image.c),
# found beside $WHITTLE in tests/ unless IMAGE_TOOL names another build of it.
. "$(dirname "$0")/lib.sh"

TOOL=${IMAGE_TOOL:-$(dirname "$WHITTLE")/tests/test_image}
[ -x "$TOOL" ] || fail "$TOOL is missing; build it with make $(basename "$(dirname "$WHITTLE")")/tests/test_image"
for program in skopeo umoci jq gunzip sha256sum; do
    command -v "$program" >/dev/null || fail "$program is missing; run make deps"
done

# A small tree with a hardlink, a symlink, a setuid file and an empty folder.
src="$TEST_DIR/src"
mkdir -p "$src/usr/bin" "$src/etc/ssl" "$src/var/empty"
printf 'hello\n' >"$src/etc/hello"
printf 'ca data\n' >"$src/etc/ssl/cert.pem"
cp /bin/true "$src/usr/bin/true"
ln "$src/usr/bin/true" "$src/usr/bin/also-true"
ln -s usr/bin "$src/bin"
chmod 4755 "$src/usr/bin/true"
chmod 0700 "$src/var/empty"
head -c 3000000 /dev/urandom >"$src/etc/random.bin"

out="$TEST_DIR/images"
mkdir -p "$out"

# write REFERENCE [OPTIONS...]: runs the writer, leaves its output in $TEST_DIR/out.txt.
write() {
    reference=$1
    shift
    expect_status 0 "$TOOL" --write "$reference" "$src" "$@"
    cp "$TEST_DIR/out" "$TEST_DIR/out.txt"
}

# --- OCI layout: skopeo inspect, umoci unpack, diff_ids ---
write "oci:$out/oci:v1" --threads 2 --split
digest=$(head -n 1 "$TEST_DIR/out.txt")

expect_status 0 skopeo inspect "oci:$out/oci:v1"
[ "$(jq -r .Digest "$TEST_DIR/out")" = "$digest" ] || fail "skopeo reports another digest than $digest"
[ "$(jq -r '.Layers | length' "$TEST_DIR/out")" = 4 ] || fail "expected 4 layers (one per top-level name)"

expect_status 0 skopeo inspect --config "oci:$out/oci:v1"
cp "$TEST_DIR/out" "$TEST_DIR/config.json"
[ "$(jq -r .created "$TEST_DIR/config.json")" = 1970-01-01T00:00:00Z ] || fail "config created is not the epoch"

# Each layer's diff_id is the sha256 of the gunzipped blob.
manifest=$(jq -r '.manifests[0].digest' "$out/oci/index.json" | cut -c8-)
i=0
for layer in $(jq -r '.layers[].digest' "$out/oci/blobs/sha256/$manifest" | cut -c8-); do
    actual=$(gunzip -c "$out/oci/blobs/sha256/$layer" | sha256sum | cut -d' ' -f1)
    expected=$(jq -r ".rootfs.diff_ids[$i]" "$TEST_DIR/config.json" | cut -c8-)
    [ "$actual" = "$expected" ] || fail "layer $i: gunzip | sha256sum gives $actual, config has $expected"
    i=$((i + 1))
done

if [ "$(id -u)" = 0 ]; then
    expect_status 0 umoci unpack --image "$out/oci:v1" "$out/bundle"
else
    expect_status 0 umoci unpack --rootless --image "$out/oci:v1" "$out/bundle"
fi
rootfs="$out/bundle/rootfs"
[ "$(cat "$rootfs/etc/hello")" = hello ] || fail "umoci unpacked wrong /etc/hello"
cmp -s "$rootfs/etc/random.bin" "$src/etc/random.bin" || fail "umoci unpacked a different /etc/random.bin"
[ "$(readlink "$rootfs/bin")" = usr/bin ] || fail "umoci unpacked /bin without its symlink target"
[ "$(stat -c %i "$rootfs/usr/bin/true")" = "$(stat -c %i "$rootfs/usr/bin/also-true")" ] ||
    fail "umoci unpacked /usr/bin/also-true as a copy, not a hardlink"
[ "$(stat -c %a "$rootfs/var/empty")" = 700 ] || fail "umoci unpacked /var/empty with the wrong mode"
if [ "$(id -u)" = 0 ]; then
    [ "$(stat -c %a "$rootfs/usr/bin/true")" = 4755 ] || fail "umoci unpacked /usr/bin/true without setuid"
fi

# skopeo converts our layout to its own docker-archive.
expect_status 0 skopeo copy "oci:$out/oci:v1" "docker-archive:$out/copied.tar:example/app:v1"

# --- docker-archive: skopeo reads it, the digest matches the OCI form ---
write "docker-archive:$out/docker.tar:example/app:v1" --threads 2 --split
[ "$(head -n 1 "$TEST_DIR/out.txt")" = "$digest" ] || fail "docker-archive reports another manifest digest"
expect_status 0 skopeo inspect "docker-archive:$out/docker.tar"
[ "$(jq -r .Digest "$TEST_DIR/out")" != null ] || fail "skopeo inspect of the docker-archive printed no digest"
tar -xOf "$out/docker.tar" manifest.json >"$TEST_DIR/docker-manifest.json"
[ "$(jq -r '.[0].RepoTags[0]' "$TEST_DIR/docker-manifest.json")" = example/app:v1 ] ||
    fail "docker-archive manifest.json lacks RepoTags example/app:v1"
expect_status 0 skopeo inspect --config "docker-archive:$out/docker.tar"
[ "$(jq -c .rootfs.diff_ids "$TEST_DIR/out")" = "$(jq -c .rootfs.diff_ids "$TEST_DIR/config.json")" ] ||
    fail "docker-archive diff_ids differ from the OCI layout's"
expect_status 0 skopeo copy "docker-archive:$out/docker.tar" "oci:$out/from-docker:v1"

# --- oci-archive ---
write "oci-archive:$out/image.tar:v1" --threads 2 --split
expect_status 0 skopeo inspect "oci-archive:$out/image.tar:v1"
[ "$(jq -r .Digest "$TEST_DIR/out")" = "$digest" ] || fail "oci-archive has another digest"

# --- reproducibility: environment, working directory and thread count ---
mkdir -p "$TEST_DIR/a" "$TEST_DIR/b/deeper"
(cd "$TEST_DIR/a" && umask 022 && TZ=UTC LANG=C "$TOOL" --write oci:same:v1 ../src --threads 1 >/dev/null &&
    TZ=UTC LANG=C "$TOOL" --write oci-archive:same.tar:v1 ../src --threads 1 >/dev/null &&
    TZ=UTC LANG=C "$TOOL" --write docker-archive:same-docker.tar:x/y:z ../src --threads 1 >/dev/null) ||
    fail "first reproducibility write failed"
(cd "$TEST_DIR/b/deeper" && umask 077 && TZ=Asia/Kolkata LC_ALL=C.UTF-8 "$TOOL" --write "oci:$TEST_DIR/b/same:v1" "$src" --threads 2 >/dev/null &&
    TZ=Asia/Kolkata LC_ALL=C.UTF-8 "$TOOL" --write "oci-archive:$TEST_DIR/b/same.tar:v1" "$src" --threads 4 >/dev/null &&
    TZ=Asia/Kolkata LC_ALL=C.UTF-8 "$TOOL" --write "docker-archive:$TEST_DIR/b/same-docker.tar:x/y:z" "$src" >/dev/null) ||
    fail "second reproducibility write failed"
diff -r "$TEST_DIR/a/same" "$TEST_DIR/b/same" || fail "OCI layouts differ between environments"
(cd "$TEST_DIR/a/same" && find . -type f | sort | xargs sha256sum) >"$TEST_DIR/a.sums"
(cd "$TEST_DIR/b/same" && find . -type f | sort | xargs sha256sum) >"$TEST_DIR/b.sums"
cmp -s "$TEST_DIR/a.sums" "$TEST_DIR/b.sums" || fail "file hashes differ between environments"
[ "$(stat -c %a "$TEST_DIR/b/same/index.json")" = 644 ] || fail "umask 077 changed the mode of index.json"
cmp "$TEST_DIR/a/same.tar" "$TEST_DIR/b/same.tar" || fail "oci-archive files differ between environments"
cmp "$TEST_DIR/a/same-docker.tar" "$TEST_DIR/b/same-docker.tar" || fail "docker-archive files differ between environments"

# --- SIGTERM during a write cancels it and leaves nothing behind ---
ls -a "$out" >"$TEST_DIR/before"
"$TOOL" --write "oci:$out/cancelled" "$src" --delay-ms 300 >"$TEST_DIR/out" 2>"$TEST_DIR/err" &
writer=$!
sleep 1
kill -TERM "$writer"
status=0
wait "$writer" || status=$?
[ "$status" = 1 ] || fail "the cancelled write exited with status $status, expected 1"
expect_contains "$TEST_DIR/err" cancelled
ls -a "$out" >"$TEST_DIR/after"
cmp -s "$TEST_DIR/before" "$TEST_DIR/after" || fail "a cancelled write left files in $out"

echo "image writer: skopeo, umoci and reproducibility checks passed"
