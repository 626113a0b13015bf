#!/bin/sh
# Builds that must not produce an image: a content store blob altered after
# import (exit 2, naming the file and the blob), error-severity policy
# findings (exit 1 with the findings, unless --allow-violations), a stale
# lock, an unknown account and bad arguments. None leaves anything at DEST.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/build_lib.sh"

command -v sqlite3 >/dev/null || fail "sqlite3 is missing; run make deps"
seeded=$(seeded_catalog)
mkdir -p "$TEST_DIR/spec" "$TEST_DIR/out-dir"
write_app_spec "$TEST_DIR/spec"
spec="$TEST_DIR/spec/spec.json"
dest="$TEST_DIR/out-dir"

# expect_nothing_at NAME: fails when the build left NAME or a temporary file in $dest.
expect_nothing_at() {
    [ ! -e "$dest/$1" ] || fail "a refused build left $dest/$1"
    expect_no_leftovers "$dest"
}

# --- an altered blob in the content store ---
catalog=$(copy_catalog "$seeded" "$TEST_DIR/altered")
expect_status 0 "$WHITTLE" --catalog "$catalog" build "$spec" -o "oci:$dest/before"
hex=$(sqlite3 "$catalog" "SELECT sha256 FROM files WHERE path = '/usr/bin/tini-static' LIMIT 1")
blob="$TEST_DIR/altered/blobs/sha256/$hex"
[ -f "$blob" ] || fail "no blob $blob for /usr/bin/tini-static"
chmod u+w "$blob"
printf 'X' | dd of="$blob" bs=1 seek=4096 conv=notrunc 2>/dev/null
expect_status 2 "$WHITTLE" --catalog "$catalog" build "$spec" -o "oci:$dest/altered"
expect_contains "$TEST_DIR/err" "/usr/bin/tini-static"
expect_contains "$TEST_DIR/err" "$hex"
expect_nothing_at altered
for kind in oci-archive docker-archive rootfs; do
    expect_status 2 "$WHITTLE" --catalog "$catalog" build "$spec" -o "$kind:$dest/altered-$kind"
    expect_contains "$TEST_DIR/err" "/usr/bin/tini-static"
    expect_nothing_at "altered-$kind"
done

# --- policy: error findings refuse the build, --allow-violations overrides ---
cat >"$TEST_DIR/spec/busybox.json" <<'SPEC'
{"components": ["busybox-static"], "policy": "strict"}
SPEC
expect_status 1 "$WHITTLE" --catalog "$seeded" build "$TEST_DIR/spec/busybox.json" -o "oci:$dest/busybox"
expect_contains "$TEST_DIR/out" "no-multicall"
expect_contains "$TEST_DIR/out" "/bin/busybox"
expect_contains "$TEST_DIR/err" "--allow-violations"
expect_nothing_at busybox
expect_status 0 "$WHITTLE" --catalog "$seeded" build "$TEST_DIR/spec/busybox.json" -o "oci:$dest/busybox" --allow-violations
expect_contains "$TEST_DIR/out" "no-multicall"
tail -n 1 "$TEST_DIR/out" | grep -q '^sha256:[0-9a-f]\{64\}$' || fail "the last line of stdout is not the digest"
[ -f "$dest/busybox/index.json" ] || fail "--allow-violations wrote no image"

# --policy replaces the spec's policy, as in `whittle check`.
expect_status 0 "$WHITTLE" --catalog "$seeded" build "$TEST_DIR/spec/busybox.json" -o "oci:$dest/busybox-none" --policy none
cat >"$TEST_DIR/spec/no-static.json" <<'POLICY'
{"name": "no-static", "rules": [{"id": "allow-executables", "severity": "error", "parameters": {"paths": []}}]}
POLICY
sed 's|"allow-executables": \[[^]]*\]|"allow-executables": []|' "$spec" >"$TEST_DIR/spec/no-allow.json"
expect_status 1 "$WHITTLE" --catalog "$seeded" build "$TEST_DIR/spec/no-allow.json" -o "oci:$dest/no-allow" --policy "$TEST_DIR/spec/no-static.json"
expect_contains "$TEST_DIR/out" "/usr/bin/tini-static"
expect_nothing_at no-allow

# --- a lock that no longer matches the catalog ---
# The spec's local file is owned by a user name, which `whittle lock` and
# `whittle build` must resolve alike for the lock's content digest to match.
cp "$spec" "$TEST_DIR/spec/locked.json"
expect_status 0 "$WHITTLE" --catalog "$seeded" lock "$TEST_DIR/spec/locked.json"
expect_status 0 "$WHITTLE" --catalog "$seeded" build "$TEST_DIR/spec/locked.json" -o "oci:$dest/locked"
jq '.lock.components |= map(if .name == "tini" then .version = "0.0.1" else . end)' \
    "$TEST_DIR/spec/locked.json" >"$TEST_DIR/spec/stale.json"
expect_status 2 "$WHITTLE" --catalog "$seeded" build "$TEST_DIR/spec/stale.json" -o "oci:$dest/stale"
expect_contains "$TEST_DIR/err" "component 'tini' does not match the lock"
expect_nothing_at stale

# --- invalid input ---
sed 's|"owner": "app"|"owner": "nobody-here"|' "$spec" >"$TEST_DIR/spec/owner.json"
expect_status 2 "$WHITTLE" --catalog "$seeded" build "$TEST_DIR/spec/owner.json" -o "oci:$dest/owner"
expect_contains "$TEST_DIR/err" "unknown user 'nobody-here'"
expect_nothing_at owner
expect_status 2 "$WHITTLE" --catalog "$seeded" build "$spec"
expect_contains "$TEST_DIR/err" "missing -o DEST"
expect_status 2 "$WHITTLE" --catalog "$seeded" build "$spec" -o "tarball:$dest/x"
expect_status 2 "$WHITTLE" --catalog "$seeded" build "$spec" -o "oci:$dest/threads" --threads many
expect_contains "$TEST_DIR/err" "invalid --threads 'many'"
# An existing destination is never replaced.
expect_status 2 "$WHITTLE" --catalog "$seeded" build "$spec" -o "oci:$dest/before"
[ -f "$dest/before/index.json" ] || fail "a rejected build changed the existing $dest/before"
expect_no_leftovers "$dest"
echo "ok"
