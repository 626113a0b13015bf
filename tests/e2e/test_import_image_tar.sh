#!/bin/sh
# Tar dialects and broken tar files from libarchive's and node-tar's test
# suites, imported as rootfs-archive: layers.
. "$(dirname "$0")/lib.sh"

catalog="$TEST_DIR/catalog.db"
tars="$TEST_DIR/tars"
mkdir -p "$tars"

# libarchive keeps its test archives uuencoded; Python's uu module is gone in
# 3.13, so decode with binascii directly.
uudecode_to() {
    python3 - "$1" "$2" <<'EOF'
import binascii, sys
data = bytearray()
started = False
for line in open(sys.argv[1], "rb"):
    if not started:
        started = line.startswith(b"begin ")
        continue
    if line.strip() == b"end":
        break
    if not line.strip():
        continue
    length = (((line[0] - 32) & 63) * 4 + 5) // 3
    data += binascii.a2b_uu(line[:length + 1].rstrip(b"\n") or b" ")
open(sys.argv[2], "wb").write(data)
EOF
}

for encoded in "$FIXTURES"/libarchive/*.uu; do
    uudecode_to "$encoded" "$tars/$(basename "$encoded" .uu)"
done

import_ok() {
    expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "rootfs-archive:$1" --name "$2"
}

import_rejected() {
    expect_status 2 "$WHITTLE" --catalog "$catalog" catalog import-image "rootfs-archive:$2" --name rejected
    expect_contains "$TEST_DIR/err" "$1"
}

paths_hex() {
    sqlite3 "$catalog" "SELECT hex(f.path) FROM files f JOIN components c ON c.id = f.component_id
                         WHERE c.name = '$1' ORDER BY f.path"
}

column() {
    sqlite3 "$catalog" "SELECT f.$3 FROM files f JOIN components c ON c.id = f.component_id
                         WHERE c.name = '$1' AND f.path = '$2'"
}

# ---- Dialects that must read correctly ----

import_ok "$tars/test_compat_gtar_1.tar" gtar-long
long=$(sqlite3 "$catalog" "SELECT max(length(path)), max(length(target)) FROM files f JOIN components c
                           ON c.id = f.component_id WHERE c.name = 'gtar-long'")
[ "$long" = "201|200" ] || fail "GNU long name and target: lengths $long, expected 201|200"

import_ok "$tars/test_print_longpath.tar.Z" longpath
[ "$(sqlite3 "$catalog" "SELECT max(length(path)) > 390 FROM files")" = 1 ] ||
    fail "the ~400-character paths were not kept"

import_ok "$tars/test_compat_tar_hardlink_1.tar" old-hardlink
# The name that sorts first carries the content; the other links to it.
[ "$(column old-hardlink /xmcd-3.3.2/docs_d/READMf type)" = hardlink ] || fail "old-style hardlink lost"
[ "$(column old-hardlink /xmcd-3.3.2/docs_d/READMf target)" = /xmcd-3.3.2/README ] ||
    fail "old-style hardlink has the wrong target"

# Non-UTF-8 names keep their raw bytes: 0xFC in pax, KOI8-R in GNU tar.
import_ok "$tars/test_pax_filename_encoding.tar" pax-encoding
paths_hex pax-encoding | grep -q "FC78797A$" || fail "the raw 0xFC byte of the pax name was lost"
import_ok "$tars/test_read_format_gtar_filename_koi8r.tar.Z" koi8r
paths_hex koi8r | grep -q "^2FD0D2C9D7C5D4$" || fail "the KOI8-R name was not kept byte for byte"

import_ok "$FIXTURES/node-tar/utf8.tar" utf8
[ "$(column utf8 '/🌟.txt' size)" = 106 ] || fail "the emoji file name was not read"

import_ok "$tars/test_read_format_gtar_sparse_1_17_posix10.tar" sparse
[ "$(column sparse /sparse2 size)" = 99000001 ] || fail "the sparse file lost its logical size"

import_ok "$tars/test_pax_xattr_header_all.tar" pax-xattr
[ "$(sqlite3 "$catalog" "SELECT count(*) FROM xattrs WHERE path = '/file'")" = 2 ] ||
    fail "the pax xattrs were not kept once each"

import_ok "$tars/test_compat_gtar_2.tar" base256
[ "$(column base256 /file_with_big_uid_gid uid)" -gt 2097151 ] ||
    fail "the base-256 uid was not decoded"

import_ok "$tars/test_read_format_tar_concatenated.tar" concatenated
import_ok "$tars/test_read_format_tar_timestamp_overflow.tar" timestamp

# Absolute names and an absolute hardlink target stay inside the root.
import_ok "$tars/test_leading_slash.tar" leading-slash
[ "$(column leading-slash /foo/hardlink target)" = /foo/file ] ||
    fail "the absolute hardlink target was not kept inside the root"

# ---- Broken archives ----

import_rejected "truncated or corrupt layer" "$tars/test_read_format_tar_V_negative_size.tar"
import_rejected "Tar size attribute is negative" "$tars/test_read_format_tar_invalid_pax_size.tar"
import_rejected "truncated or corrupt layer" "$tars/test_read_format_tar_pax_g_large.tar"
import_rejected "truncated or corrupt layer" "$FIXTURES/node-tar/bad-cksum.tar"
import_rejected "empty name" "$FIXTURES/node-tar/path-missing.tar"
import_rejected "empty name" "$tars/test_read_format_tar_empty_filename.tar"
import_rejected "has an empty target" "$FIXTURES/node-tar/links-invalid.tar"

start=$(date +%s)
import_rejected "the limit is 4095" "$FIXTURES/node-tar/excessively-deep.tar"
[ $(($(date +%s) - start)) -lt 10 ] || fail "rejecting the 445,000-character path took too long"

echo "ok"
