#!/bin/sh
# Splitting imported images by their package database: dpkg status with
# file lists in a merged-/usr tree, distroless status.d, apk installed, and
# a corrupt status file.
. "$(dirname "$0")/lib.sh"

catalog="$TEST_DIR/catalog.db"

component_files() {
    sqlite3 "$catalog" "SELECT f.path FROM files f JOIN components c ON c.id = f.component_id
                         WHERE c.name = '$1' ORDER BY f.path"
}

# ---- dpkg, merged /usr, as one tar layer ----
root="$TEST_DIR/debian"
mkdir -p "$root/usr/bin" "$root/usr/lib" "$root/etc" "$root/var/lib/dpkg/info"
ln -s usr/bin "$root/bin"
ln -s usr/lib "$root/lib"
printf '#!/bin/sh\necho bash\n' >"$root/usr/bin/bash"
printf 'libc\n' >"$root/usr/lib/libc.so.6"
printf '#!/bin/false\n' >"$root/usr/bin/dash"
ln -s dash "$root/usr/bin/sh"
printf 'host\n' >"$root/etc/hostname"
chmod 0755 "$root/usr/bin/bash"
cat >"$root/var/lib/dpkg/status" <<'EOF'
Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2
Depends: base-files (>= 2.1.12), debianutils (>= 5.6-0.1)
Pre-Depends: libc6 (>= 2.36), libtinfo6 (>= 6)
Description: GNU Bourne Again SHell
 Bash is an sh-compatible command language interpreter.

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

Package: dash
Status: install ok installed
Architecture: amd64
Version: 0.5.12-2
Description: POSIX-compliant shell

Package: oldpkg
Status: deinstall ok config-files
Architecture: all
Version: 1.0
EOF
printf '/.\n/bin\n/bin/bash\n/usr\n/usr/bin\n' >"$root/var/lib/dpkg/info/bash.list"
printf '/.\n/lib\n/lib/libc.so.6\n/usr\n/usr/lib\n' >"$root/var/lib/dpkg/info/libc6:amd64.list"
printf '/.\n/bin\n/bin/dash\n/bin/sh\n/usr\n/usr/bin\n' >"$root/var/lib/dpkg/info/dash.list"
tar -C "$root" -cf "$TEST_DIR/debian.tar" .

expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "rootfs-archive:$TEST_DIR/debian.tar" --name deb
expect_contains "$TEST_DIR/out" "3 packages from dpkg"
[ "$(sqlite3 "$catalog" "SELECT count(*) FROM components WHERE name LIKE 'deb/%'")" = 3 ] ||
    fail "expected one component per installed package"
component_files deb/bash | grep -qx /usr/bin/bash || fail "/bin/bash did not resolve to /usr/bin/bash in deb/bash"
component_files deb/libc6 | grep -qx /usr/lib/libc.so.6 || fail "libc6 does not own /usr/lib/libc.so.6"
component_files deb | grep -qx /etc/hostname || fail "the unowned /etc/hostname is not in the base component"
component_files deb | grep -qx /usr/bin/bash && fail "/usr/bin/bash is in two components"
[ "$(sqlite3 "$catalog" "SELECT version || ' ' || architecture FROM components WHERE name = 'deb/libc6'")" = "2.36-9+deb12u4 amd64" ] ||
    fail "libc6 lost its version or architecture"
[ "$(sqlite3 "$catalog" "SELECT count(*) FROM relations r JOIN components c ON c.id = r.component_id
                          WHERE c.name = 'deb/bash' AND r.kind = 'pre-depends'")" = 2 ] ||
    fail "bash's Pre-Depends were not kept"
[ "$(sqlite3 "$catalog" "SELECT DISTINCT kind FROM components WHERE name LIKE 'deb%'")" = base ] ||
    fail "image components must have kind base"

component_files deb/dash | grep -qx /usr/bin/sh || fail "the /bin/sh symlink did not go to deb/dash"

# A spec based on the image brings in every package; excluding one reports
# what breaks: bash's #!/bin/sh is in dash.
printf '{"base": "deb"}\n' >"$TEST_DIR/base.json"
expect_status 0 "$WHITTLE" --catalog "$catalog" resolve "$TEST_DIR/base.json"
expect_contains "$TEST_DIR/out" "total: 4 components"
printf '{"base": "deb", "exclude": ["deb/dash"]}\n' >"$TEST_DIR/no-dash.json"
"$WHITTLE" --catalog "$catalog" resolve "$TEST_DIR/no-dash.json" >"$TEST_DIR/out" 2>&1 || true
expect_contains "$TEST_DIR/out" "/usr/bin/bash (deb/bash) needs script interpreter /bin/sh"
expect_contains "$TEST_DIR/out" "total: 3 components"

# The same tree as rootfs:DIR is the same image content, so it is not imported again.
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "rootfs:$root" --name deb
expect_contains "$TEST_DIR/out" "already in catalog"

# ---- distroless status.d ----
distroless="$TEST_DIR/distroless"
mkdir -p "$distroless/var/lib/dpkg/status.d" "$distroless/usr/lib/aarch64-linux-gnu"
cp "$FIXTURES/syft/dpkg-status.d-distroless-libsqlite3-0" "$distroless/var/lib/dpkg/status.d/libsqlite3-0"
printf 'sqlite\n' >"$distroless/usr/lib/aarch64-linux-gnu/libsqlite3.so.0"
sum=$(md5sum <"$distroless/usr/lib/aarch64-linux-gnu/libsqlite3.so.0" | cut -d' ' -f1)
echo "$sum  usr/lib/aarch64-linux-gnu/libsqlite3.so.0" >"$distroless/var/lib/dpkg/status.d/libsqlite3-0.md5sums"
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "rootfs:$distroless" --name distroless
expect_contains "$TEST_DIR/out" "1 package from dpkg"
component_files distroless/libsqlite3-0 | grep -qx /usr/lib/aarch64-linux-gnu/libsqlite3.so.0 ||
    fail "status.d md5sums did not assign the library to libsqlite3-0"

# ---- apk ----
alpine="$TEST_DIR/alpine"
mkdir -p "$alpine/lib/apk/db" "$alpine/etc"
cp "$FIXTURES/trivy/apk-installed-alpine" "$alpine/lib/apk/db/installed"
printf 'root:x:0:0:root:/root:/bin/ash\n' >"$alpine/etc/passwd"
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "rootfs:$alpine" --name alpine
expect_contains "$TEST_DIR/out" "16 packages from apk"
[ "$(sqlite3 "$catalog" "SELECT version FROM components WHERE name = 'alpine/invalidPackageWithoutAVersion'")" = "" ] ||
    fail "the package without a version was not imported with an empty version"
component_files alpine | grep -qx /lib/apk/db/installed || fail "the apk database itself should be unowned"

corrupt="$TEST_DIR/alpine-corrupt"
mkdir -p "$corrupt/lib/apk/db"
cp "$FIXTURES/syft/apk-installed-corrupt" "$corrupt/lib/apk/db/installed"
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "rootfs:$corrupt" --name alpine-corrupt
expect_contains "$TEST_DIR/out" "1 package from apk"
expect_contains "$TEST_DIR/err" "warning: /lib/apk/db/installed: line 1"

# ---- a corrupt dpkg status is rejected ----
broken="$TEST_DIR/broken"
mkdir -p "$broken/var/lib/dpkg"
cp "$FIXTURES/syft/dpkg-status-corrupt" "$broken/var/lib/dpkg/status"
expect_status 2 "$WHITTLE" --catalog "$catalog" catalog import-image "rootfs:$broken" --name broken
expect_contains "$TEST_DIR/err" "/var/lib/dpkg/status"
[ "$(sqlite3 "$catalog" "SELECT count(*) FROM components WHERE name LIKE 'broken%'")" = 0 ] ||
    fail "a rejected image left components behind"

echo "ok"
