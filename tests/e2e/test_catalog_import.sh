#!/bin/sh
# `whittle catalog import`: real .deb and .apk packages, a directory with a
# symlink pointing outside, a hardlink pair and a file capability, single
# files and re-imports as no-ops. Corrupt packages must fail with exit
# status 2 and leave the catalog exactly as it was.
. "$(dirname "$0")/lib.sh"

catalog="$TEST_DIR/catalog/catalog.db"
apko="$FIXTURES/apko"
import() { "$WHITTLE" --catalog "$catalog" catalog import "$@"; }
show() { "$WHITTLE" --catalog "$catalog" catalog show "$1" --json; }

# state: a digest of every catalog row and every blob name, to prove that a
# failed import changed nothing.
state() {
    {
        sqlite3 "$catalog" .dump
        (cd "$(dirname "$catalog")" && find blobs | sort)
    } | sha256sum
}

# expect_unchanged_failure TEXT PATH...: import fails with status 2, stderr
# contains TEXT and the catalog does not change.
expect_unchanged_failure() {
    text=$1
    shift
    before=$(state)
    expect_status 2 import "$@"
    expect_contains "$TEST_DIR/err" "$text"
    [ "$(state)" = "$before" ] || fail "the catalog changed after: import $*"
}

deb_path() {
    found=$(ls "$DEB_CACHE/$1"_*.deb 2>/dev/null | tail -n 1 || true)
    if [ -z "$found" ]; then
        mkdir -p "$DEB_CACHE"
        (cd "$DEB_CACHE" && apt-get download -q "$1" >/dev/null 2>&1) ||
            fail "cannot download $1 with apt-get"
        found=$(ls "$DEB_CACHE/$1"_*.deb | tail -n 1)
    fi
    echo "$found"
}

tini=$(deb_path tini)
busybox=$(deb_path busybox-static)

# --help describes every option.
expect_status 0 "$WHITTLE" catalog import --help
for option in --name --version --kind --dest --catalog; do
    expect_contains "$TEST_DIR/out" "$option"
done

# Two Debian packages in one transaction, checked against dpkg-deb.
expect_status 0 import "$tini" "$busybox"
expect_contains "$TEST_DIR/out" "imported tini $(dpkg-deb -f "$tini" Version) (utility, 10 files,"
expect_contains "$TEST_DIR/out" "imported busybox-static"
for deb in "$tini" "$busybox"; do
    name=$(dpkg-deb -f "$deb" Package)
    entries=$(dpkg-deb -c "$deb" | awk '$6 != "./"' | wc -l)
    bytes=$(dpkg-deb -c "$deb" | awk '$1 ~ /^-/ {s += $3} END {print s + 0}')
    show "$name" >"$TEST_DIR/show.json"
    [ "$(jq '.files | length' "$TEST_DIR/show.json")" = "$entries" ] ||
        fail "$name: file count differs from dpkg-deb -c ($entries)"
    [ "$(jq '[.files[] | select(.type == "regular") | .size] | add' "$TEST_DIR/show.json")" = "$bytes" ] ||
        fail "$name: regular file bytes differ from dpkg-deb -c ($bytes)"
done
[ "$(show tini | jq -r .license)" = Expat ] || fail "tini license is not Expat"

# Importing the same packages again is a no-op, reported on stdout.
before=$(state)
expect_status 0 import "$tini"
expect_contains "$TEST_DIR/out" "is already in the catalog as tini"
[ "$(state)" = "$before" ] || fail "re-importing tini changed the catalog"

# Alpine packages from the apko test suite.
expect_status 0 import "$apko/alpine-baselayout-3.2.0-r23.apk" "$apko/hello-0.1.0-r0.apk"
expect_contains "$TEST_DIR/out" "imported alpine-baselayout 3.2.0-r23 (utility, 83 files, 11.9 KiB)"
expect_contains "$TEST_DIR/out" "imported hello 0.1.0-r0 (utility, 1 file, 21 B)"
[ "$(show alpine-baselayout | jq -r '.files[] | select(.path == "/var/run") | .target')" = /run ] ||
    fail "/var/run is not a symlink to /run"

# A directory: a symlink out of the tree, a hardlink pair, a capability.
tree="$TEST_DIR/tree"
mkdir -p "$tree/usr/bin" "$tree/etc"
printf '#!/bin/sh\necho hi\n' >"$tree/usr/bin/hi"
chmod 0755 "$tree/usr/bin/hi"
ln -s ../../../../../etc/passwd "$tree/etc/passwd-link"
printf 'shared\n' >"$tree/etc/a"
ln "$tree/etc/a" "$tree/etc/b"
capability=none
if command -v setcap >/dev/null 2>&1 && setcap cap_net_bind_service+ep "$tree/usr/bin/hi" 2>/dev/null; then
    capability=setcap
elif command -v setfattr >/dev/null 2>&1 &&
    setfattr -n security.capability -v 0sAQAAAgAEAAAAAAAAAAAAAAAAAAA= "$tree/usr/bin/hi" 2>/dev/null; then
    capability=setfattr
fi

expect_unchanged_failure "give the component a name with --name" "$tree"
expect_status 0 import "$tree" --name mytree --version 1.0
expect_contains "$TEST_DIR/out" "imported mytree 1.0 (utility, 7 files, 25 B)"
show mytree >"$TEST_DIR/tree.json"
file() { jq -r --arg path "$1" ".files[] | select(.path == \$path) | $2" "$TEST_DIR/tree.json"; }
[ "$(file /etc/passwd-link .type)" = symlink ] || fail "/etc/passwd-link is not a symlink"
[ "$(file /etc/passwd-link .target)" = ../../../../../etc/passwd ] || fail "symlink target changed"
[ "$(file /etc/a .type)" = regular ] || fail "/etc/a is not the regular file of the pair"
[ "$(file /etc/b .type)" = hardlink ] || fail "/etc/b is not a hardlink"
[ "$(file /etc/b .target)" = /etc/a ] || fail "/etc/b does not link to /etc/a"
if [ "$capability" = none ]; then
    echo "skipped: neither setcap nor setfattr could set security.capability"
else
    [ "$(file /usr/bin/hi '.xattrs["security.capability"] != null')" = true ] ||
        fail "the capability set with $capability is missing"
    [ "$(file /usr/bin/hi '.flags | index("capabilities") != null')" = true ] ||
        fail "/usr/bin/hi is not flagged capabilities"
fi
before=$(state)
expect_status 0 import "$tree" --name mytree --version 1.0
expect_contains "$TEST_DIR/out" "is already in the catalog as mytree 1.0"
[ "$(state)" = "$before" ] || fail "re-importing the tree changed the catalog"

# A single file: executables go to /usr/bin, --dest overrides.
printf '#!/bin/sh\nexit 0\n' >"$TEST_DIR/app"
chmod 0700 "$TEST_DIR/app"
expect_unchanged_failure "--version" "$TEST_DIR/app" --name app
expect_unchanged_failure "must be an absolute path" "$TEST_DIR/app" --name app --version 1 --dest usr/bin/x
expect_status 0 import "$TEST_DIR/app" --name app --version 1 --dest /opt/app/run
expect_contains "$TEST_DIR/out" "imported app 1 (utility, 1 file, 17 B)"
[ "$(show app | jq -r '.files[0].path + " " + .files[0].mode')" = "/opt/app/run 0755" ] ||
    fail "app is not at /opt/app/run with mode 0755"
expect_status 2 import "$TEST_DIR/app" "$tini" --name app
expect_contains "$TEST_DIR/err" "import one PATH at a time"

# Corrupt copies of tini: each fails naming the file and changes nothing.
size=$(stat -c %s "$tini")
data_offset=$(grep -abo 'data.tar' "$tini" | head -n 1 | cut -d: -f1)
head -c 200 "$tini" >"$TEST_DIR/short.deb"
head -c $((size / 2)) "$tini" >"$TEST_DIR/half.deb"
head -c $((size - 1)) "$tini" >"$TEST_DIR/last-byte.deb"
head -c "$data_offset" "$tini" >"$TEST_DIR/no-data.deb"
cp "$tini" "$TEST_DIR/flipped.deb"
printf '\377' | dd of="$TEST_DIR/flipped.deb" bs=1 seek=$(((data_offset + size) / 2)) conv=notrunc status=none
printf 'plain text\n' >"$TEST_DIR/text.deb"
: >"$TEST_DIR/empty.deb"

expect_unchanged_failure "short.deb: truncated or corrupt control.tar" "$TEST_DIR/short.deb"
expect_unchanged_failure "half.deb: truncated or corrupt data.tar.xz" "$TEST_DIR/half.deb"
expect_unchanged_failure "last-byte.deb: truncated or corrupt data.tar.xz" "$TEST_DIR/last-byte.deb"
expect_unchanged_failure "no-data.deb: not a complete Debian package" "$TEST_DIR/no-data.deb"
expect_unchanged_failure "flipped.deb: truncated or corrupt data.tar.xz" "$TEST_DIR/flipped.deb"
expect_unchanged_failure "text.deb is not a Debian or Alpine package" "$TEST_DIR/text.deb"
expect_unchanged_failure "empty.deb is not a Debian or Alpine package" "$TEST_DIR/empty.deb"
head -c 3000 "$apko/alpine-baselayout-3.2.0-r23.apk" >"$TEST_DIR/short.apk"
expect_unchanged_failure "short.apk: truncated or corrupt package contents" "$TEST_DIR/short.apk"

# One bad artifact aborts the whole command, good ones included.
expect_unchanged_failure "half.deb" "$apko/hello-0.1.0-r0.apk" "$TEST_DIR/half.deb"
expect_contains "$TEST_DIR/err" "nothing was imported"

# Blobs written inline (WHITTLE_IMPORT_THREADS=1) and by the import's
# writer thread give the same rows and the same store.
contents() {
    sqlite3 "$1" 'SELECT c.name, f.path, f.type, f.mode, f.size, f.sha256, f.target
                  FROM files f JOIN components c ON c.id = f.component_id ORDER BY 1, 2'
    (cd "$(dirname "$1")/blobs/sha256" && find . -printf '%p %m %s\n' | LC_ALL=C sort)
}
for threads in 1 2; do
    expect_status 0 env WHITTLE_IMPORT_THREADS=$threads "$WHITTLE" --catalog "$TEST_DIR/threads-$threads/catalog.db" \
        catalog import "$tini" "$busybox" "$apko/alpine-baselayout-3.2.0-r23.apk"
    expect_status 0 env WHITTLE_IMPORT_THREADS=$threads "$WHITTLE" --catalog "$TEST_DIR/threads-$threads/catalog.db" \
        catalog import "$tree" --name mytree --version 1.0
    contents "$TEST_DIR/threads-$threads/catalog.db" >"$TEST_DIR/threads-$threads.txt"
done
cmp -s "$TEST_DIR/threads-1.txt" "$TEST_DIR/threads-2.txt" || {
    diff "$TEST_DIR/threads-1.txt" "$TEST_DIR/threads-2.txt" >&2 || true
    fail "imports with and without the writer thread stored different contents"
}
[ "$(wc -l <"$TEST_DIR/threads-1.txt")" -gt 100 ] || fail "the thread comparison imported too little"

echo "catalog import: all cases passed"
