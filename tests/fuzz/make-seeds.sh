#!/bin/sh
# Writes the binary seed inputs of the fuzz targets into OUT/NAME/ (default
# build-fuzz/seeds). They are small ELF files and scripts, small .deb
# packages built with dpkg-deb, tar files written with Python's tarfile, and
# Alpine packages, tar files and package databases from the shared fixtures.
# The text seeds are committed under tests/fuzz/corpus/ instead.
#
# Usage: sh tests/fuzz/make-seeds.sh [OUT]   (run from the repository root)
set -eu

out=${1:-build-fuzz/seeds}
fixtures=${FIXTURES:-../shared/fixtures}
work=$(mktemp -d "${TMPDIR:-/tmp}/whittle-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir -p "$out/elf" "$out/deb" "$out/apk" "$out/tar" "$out/pkgdb_dpkg" "$out/pkgdb_apk"

# ELF: a static file without libc, a dynamic one with two DT_NEEDED, scripts.
printf 'void _start(void) { for (;;) ; }\n' > "$work/start.c"
printf '#include <math.h>\nint main(int c, char **v) { (void)v; return (int)sqrt(c); }\n' \
    > "$work/main.c"
cc -Os -static -nostdlib -o "$out/elf/static" "$work/start.c"
cc -Os -static-pie -nostdlib -o "$out/elf/static-pie" "$work/start.c" 2>/dev/null || true
cc -Os -o "$out/elf/dynamic" "$work/main.c" -lm
cc -Os -shared -fPIC -Wl,-soname,libseed.so.1 -Wl,-rpath,/opt/lib -o "$out/elf/shared" \
    "$work/main.c" -lm
strip "$out/elf/static" "$out/elf/dynamic" "$out/elf/shared"
[ -f "$out/elf/static-pie" ] && strip "$out/elf/static-pie"
printf '#!/usr/bin/env -S python3 -u\nprint(1)\n' > "$out/elf/script-env"
printf '#!/bin/sh -e\necho hi\n' > "$out/elf/script-sh"

# .deb: one tree, packed with each compression dpkg-deb offers.
tree="$work/tree"
mkdir -p "$tree/DEBIAN" "$tree/usr/bin" "$tree/usr/share/doc/seed"
cat > "$tree/DEBIAN/control" <<'CONTROL'
Package: seed
Version: 1:1.0-1
Architecture: amd64
Maintainer: Seed <seed@example.org>
Depends: libc6 (>= 2.34), a | b:any
Provides: seed-tool (= 1.0)
Section: utils
Description: a seed package for the fuzzers
 with a continuation line.
CONTROL
printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: MIT\n' \
    > "$tree/usr/share/doc/seed/copyright"
cp "$out/elf/static" "$tree/usr/bin/seed"
ln "$tree/usr/bin/seed" "$tree/usr/bin/seed-hardlink"
ln -s seed "$tree/usr/bin/seed-symlink"
printf '#!/bin/sh\nexec seed "$@"\n' > "$tree/usr/bin/seed-wrapper"
chmod 0755 "$tree/usr/bin/seed-wrapper"
for compression in gzip xz none; do
    dpkg-deb --root-owner-group -Z"$compression" --build "$tree" \
        "$out/deb/seed-$compression.deb" >/dev/null
done

# .apk: the small Alpine packages of the shared fixtures.
cp "$fixtures/apko/hello-0.1.0-r0.apk" "$fixtures/apko/alpine-baselayout-3.2.0-r23.apk" \
    "$out/apk/"
cp "$out/deb/seed-gzip.deb" "$out/apk/"

# tar: the tree above in each dialect, plus the small node-tar fixtures.
python3 - "$tree" "$out/tar" <<'PYTHON'
import sys, tarfile
tree, out = sys.argv[1], sys.argv[2]
for name, form in (("ustar", tarfile.USTAR_FORMAT), ("gnu", tarfile.GNU_FORMAT),
                   ("pax", tarfile.PAX_FORMAT)):
    with tarfile.open(f"{out}/{name}.tar", "w", format=form) as archive:
        archive.add(tree, arcname=".")
with tarfile.open(f"{out}/pax.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as archive:
    archive.add(tree, arcname=".")
PYTHON
for file in utf8 links-invalid path-missing bad-cksum; do
    cp "$fixtures/node-tar/$file.tar" "$out/tar/node-tar-$file.tar"
done

# Package databases from the shared fixtures.
for file in dpkg-status-image-dpkg dpkg-status-multiple dpkg-status-coreutils-relationships \
            dpkg-status-deinstall dpkg-status-corrupt; do
    cp "$fixtures/syft/$file" "$out/pkgdb_dpkg/"
done
for file in apk-installed-multiple-1 apk-installed-corrupt; do
    cp "$fixtures/syft/$file" "$out/pkgdb_apk/"
done
cp "$fixtures/trivy/apk-installed-alpine" "$fixtures/apko/apk-installed-bad-top-level-perms" \
    "$out/pkgdb_apk/"
chmod -R u+w "$out"
