#!/bin/sh
# The demo seed: real Debian packages, classified, with sizes that match
# dpkg-deb, a generated CA bundle, and re-seeding as a no-op.
. "$(dirname "$0")/lib.sh"

catalog=$(seeded_catalog)
show() { "$WHITTLE" --catalog "$catalog" catalog show "$1" --json; }

# file_field COMPONENT PATH JQ-EXPRESSION: one fact about one file.
file_field() {
    show "$1" | jq -c --arg path "$2" ".files[] | select(.path == \$path) | $3"
}

# BusyBox is static and multi-call, detected by content.
[ "$(file_field busybox-static /bin/busybox '.flags | index("static") != null')" = true ] ||
    fail "/bin/busybox is not flagged static"
[ "$(file_field busybox-static /bin/busybox '.flags | index("multicall") != null')" = true ] ||
    fail "/bin/busybox is not flagged multicall"

# tini ships a static and a dynamic build.
[ "$(file_field tini /usr/bin/tini-static '.flags | index("static") != null')" = true ] ||
    fail "/usr/bin/tini-static is not flagged static"
[ "$(file_field tini /usr/bin/tini '.flags | index("dynamic") != null')" = true ] ||
    fail "/usr/bin/tini is not flagged dynamic"
[ "$(file_field tini /usr/bin/tini '.interpreter')" = '"/lib64/ld-linux-x86-64.so.2"' ] ||
    fail "/usr/bin/tini interpreter is $(file_field tini /usr/bin/tini '.interpreter')"
[ "$(file_field tini /usr/bin/tini '.needed | index("libc.so.6") != null')" = true ] ||
    fail "/usr/bin/tini does not list libc.so.6 as needed"

# gosu is a static Go binary.
[ "$(file_field gosu /usr/sbin/gosu '.flags | index("static") != null')" = true ] ||
    fail "/usr/sbin/gosu is not flagged static"

# For every imported .deb, regular file bytes equal what dpkg-deb -c lists.
"$WHITTLE" --catalog "$catalog" catalog list --json >"$TEST_DIR/list.json"
jq -r '.[] | select(.name != "ca-certificates-bundle") | .name' "$TEST_DIR/list.json" |
while read -r name; do
    show "$name" >"$TEST_DIR/show.json"
    origin=$(jq -r '.origin.path' "$TEST_DIR/show.json")
    [ -f "$origin" ] || fail "$name: origin $origin does not exist"
    ours=$(jq '[.files[] | select(.type == "regular") | .size] | add // 0' "$TEST_DIR/show.json")
    theirs=$(dpkg-deb -c "$origin" | awk 'substr($1, 1, 1) == "-" { sum += $3 } END { print sum + 0 }')
    [ "$ours" = "$theirs" ] || fail "$name: regular files sum to $ours bytes, dpkg-deb -c lists $theirs"
done

# The bundle is every shipped certificate in byte order of path, each
# ending in a newline.
ca_deb=$(show ca-certificates | jq -r '.origin.path')
mkdir "$TEST_DIR/ca"
dpkg-deb -x "$ca_deb" "$TEST_DIR/ca"
(cd "$TEST_DIR/ca" && find usr/share/ca-certificates -name '*.crt' | LC_ALL=C sort |
    while read -r certificate; do
        cat "$certificate"
        [ -z "$(tail -c 1 "$certificate")" ] || echo
    done) >"$TEST_DIR/expected-bundle.crt"
expected=$(sha256sum "$TEST_DIR/expected-bundle.crt" | cut -d' ' -f1)
actual=$(file_field ca-certificates-bundle /etc/ssl/certs/ca-certificates.crt '.sha256' | tr -d '"')
[ "$expected" = "$actual" ] || fail "bundle sha256 is $actual, expected $expected"
[ "$(show ca-certificates-bundle | jq -r .kind)" = data ] || fail "bundle kind is not data"
grep -c 'BEGIN CERTIFICATE' "$TEST_DIR/expected-bundle.crt" >/dev/null || fail "no certificates"

# Seeding again imports nothing and changes nothing.
mine=$(copy_catalog "$catalog" "$TEST_DIR/again")
before=$(sqlite3 "$mine" .dump | sha256sum)
expect_status 0 "$WHITTLE" --catalog "$mine" catalog seed --offline --cache-dir "$DEB_CACHE"
expect_contains "$TEST_DIR/out" "0 components imported"
after=$(sqlite3 "$mine" .dump | sha256sum)
[ "$before" = "$after" ] || fail "a second seed changed the catalog"

# --if-empty leaves a filled catalog alone.
expect_status 0 "$WHITTLE" --catalog "$mine" catalog seed --if-empty
expect_contains "$TEST_DIR/out" "not seeding"

# Offline with an empty cache: a clear error naming the package, exit 2,
# and the catalog is not created with half a seed.
expect_status 2 "$WHITTLE" --catalog "$TEST_DIR/offline/catalog.db" catalog seed --offline \
    --cache-dir "$TEST_DIR/empty-cache"
expect_contains "$TEST_DIR/err" "--offline"
count=$(sqlite3 "$TEST_DIR/offline/catalog.db" 'SELECT count(*) FROM components' 2>/dev/null || echo 0)
[ "$count" = 0 ] || fail "a failed seed left $count components"

# A list naming a package apt-get cannot find: exit 2, catalog unchanged.
printf 'tini\nno-such-package-whittle-test\n' >"$TEST_DIR/bad.list"
before=$(sqlite3 "$mine" .dump | sha256sum)
expect_status 2 "$WHITTLE" --catalog "$mine" catalog seed --list "$TEST_DIR/bad.list" \
    --cache-dir "$DEB_CACHE"
expect_contains "$TEST_DIR/err" "apt-get"
after=$(sqlite3 "$mine" .dump | sha256sum)
[ "$before" = "$after" ] || fail "a failed seed changed the catalog"

# An invalid name in the list is reported with the file and the name.
printf 'Tini_Bad\n' >"$TEST_DIR/invalid.list"
expect_status 2 "$WHITTLE" --catalog "$mine" catalog seed --list "$TEST_DIR/invalid.list"
expect_contains "$TEST_DIR/err" "Tini_Bad"
