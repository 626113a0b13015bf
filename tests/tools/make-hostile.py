#!/usr/bin/env python3
"""Write hostile .deb and .apk packages for tests/e2e/test_hostile_archives.sh.

Usage: make-hostile.py OUT [FIXTURES]

Each case is a data tar with one defect (a '..' entry, a file written
through a symlink, a decompression bomb, ...) wrapped in a minimal .deb and,
where the defect is not specific to Debian packaging, in an .apk. With
FIXTURES (the shared fixtures folder) the tar files of libarchive's and
node-tar's test suites are wrapped too, after decoding the uuencoded ones.

OUT/cases.tsv lists one package per line, tab-separated:
    name  file  expect  detail
where expect is "reject" (detail: text the error message must contain) or
"ok" (detail: the hex of an image path the catalog must then contain, or
"-" when no single path is worth checking).
"""

import gzip
import io
import lzma
import os
import sys
import tarfile

BLOCK = 512

# The bomb expands 1 MiB of zeros per ~1 KiB of gzip: past the default limit
# of 200:1 once output exceeds the 128 MiB floor (see docs/limits.md).
BOMB_BYTES = 160 * 1024 * 1024


def member(info, form, data=b""):
    """Return one tar member: its header blocks and its data padded to a block."""
    info.size = len(data) if info.type in (tarfile.REGTYPE, tarfile.AREGTYPE) else 0
    header = info.tobuf(form, "utf-8", "surrogateescape")
    padding = (-len(data)) % BLOCK
    return header + data + b"\0" * padding


def entry(name, kind=tarfile.REGTYPE, data=b"", target="", mode=0o644, form=tarfile.GNU_FORMAT,
          devmajor=0, devminor=0):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.linkname = target
    info.mtime = 1700000000
    info.devmajor = devmajor
    info.devminor = devminor
    return member(info, form, data)


def end_of_archive():
    return b"\0" * (2 * BLOCK)


def tar_of(*members):
    return b"".join(members) + end_of_archive()


def ar_archive(members):
    out = io.BytesIO()
    out.write(b"!<arch>\n")
    for name, data in members:
        header = b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name.encode(), 1700000000, 0, 0, b"100644",
                                                    len(data))
        assert len(header) == 60
        out.write(header + data)
        if len(data) % 2:
            out.write(b"\n")
    return out.getvalue()


def control_tar(package, extra=b""):
    text = (b"Package: %s\nVersion: 1.0\nArchitecture: all\nMaintainer: Test <t@example.org>\n"
            b"Description: hostile archive case\n" % package.encode()) + extra
    return gzip.compress(tar_of(entry("./", tarfile.DIRTYPE, mode=0o755),
                                entry("./control", data=text)), mtime=0)


def deb(package, data_tar, data_name="data.tar.gz", control=None):
    """Wrap an uncompressed data tar (compressed here when data_name says so) in a .deb."""
    if data_name.endswith(".gz"):
        data_tar = gzip.compress(data_tar, compresslevel=9, mtime=0)
    elif data_name.endswith(".xz"):
        data_tar = lzma.compress(data_tar, preset=0)
    return ar_archive([("debian-binary", b"2.0\n"),
                       ("control.tar.gz", control or control_tar(package)),
                       (data_name, data_tar)])


def apk(package, data_tar):
    """Wrap a data tar in an unsigned .apk: a control gzip member, then the data one."""
    pkginfo = b"pkgname = %s\npkgver = 1.0-r0\npkgdesc = hostile archive case\n" % (
        package.encode())
    control = entry(".PKGINFO", data=pkginfo)  # cut before its end blocks, as apk does
    return gzip.compress(control, mtime=0) + gzip.compress(data_tar, compresslevel=9, mtime=0)


def with_directories(*members):
    return tar_of(entry("./", tarfile.DIRTYPE, mode=0o755),
                  entry("./usr/", tarfile.DIRTYPE, mode=0o755), *members)


def size_field(header, size):
    """Return a copy of a ustar header with its size field and checksum replaced."""
    header = bytearray(header)
    if size < 8 ** 11:
        header[124:136] = b"%011o\0" % size
    else:  # base-256, as GNU tar writes sizes of 8 GiB and more
        header[124:136] = b"\x80" + size.to_bytes(11, "big")
    header[148:156] = b"        "
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header)


def hostile_cases():
    """Yield (name, data tar, expect, detail, also as apk, data member name)."""
    hello = b"#!/bin/sh\necho hello\n"

    yield ("valid", with_directories(entry("./usr/hello", data=hello, mode=0o755)),
           "ok", "/usr/hello", True, "data.tar.gz")
    yield ("dotdot", with_directories(entry("./usr/../../etc/passwd", data=b"root::0:0\n")),
           "reject", "'..' component", True, "data.tar.gz")
    yield ("absolute", tar_of(entry("/etc/hostname", data=b"box\n")),
           "ok", "/etc/hostname", True, "data.tar.gz")
    yield ("symlink-then-file",
           with_directories(entry("./a", tarfile.SYMTYPE, target="/etc"),
                            entry("./a/passwd", data=b"root::0:0\n")),
           "reject", "under the symlink /a", True, "data.tar.gz")
    yield ("file-then-child",
           with_directories(entry("./usr/f", data=b"x"), entry("./usr/f/child", data=b"y")),
           "reject", "under /usr/f, which is a regular file", True, "data.tar.gz")
    yield ("hardlink-dotdot",
           with_directories(entry("./usr/x", tarfile.LNKTYPE, target="../../etc/shadow")),
           "reject", "'..' component", True, "data.tar.gz")
    yield ("hardlink-absolute",
           with_directories(entry("./usr/x", tarfile.LNKTYPE, target="/etc/shadow")),
           "reject", "not an earlier regular file", True, "data.tar.gz")
    yield ("symlink-loop",
           with_directories(entry("./usr/a", tarfile.SYMTYPE, target="b"),
                            entry("./usr/b", tarfile.SYMTYPE, target="a"),
                            entry("./usr/self", tarfile.SYMTYPE, target="self")),
           "ok", "/usr/self", True, "data.tar.gz")
    # A path that appears twice keeps the later entry, as extraction would.
    yield ("duplicate",
           with_directories(entry("./usr/f", data=b"first"), entry("./usr/f", data=b"second")),
           "ok", "/usr/f", True, "data.tar.gz")

    good = with_directories(entry("./usr/hello", data=hello * 200, mode=0o755))
    compressed = gzip.compress(good, mtime=0)
    yield ("truncated-gzip", compressed[: len(compressed) // 2], "reject",
           "truncated or corrupt", False, "data.tar.gz:raw")

    bomb = with_directories(entry("./usr/zeros", data=bytes(BOMB_BYTES)))
    yield ("bomb", bomb, "reject", "expands", True, "data.tar.gz")
    yield ("bomb-xz", bomb, "reject", "expands", False, "data.tar.xz")

    header = entry("./usr/huge", data=b"0123456789")
    yield ("huge-size-octal", tar_of(size_field(header[:BLOCK], 8 ** 11 - 1) + header[BLOCK:]),
           "reject", "truncated or corrupt", True, "data.tar")
    yield ("huge-size-base256", tar_of(size_field(header[:BLOCK], 1 << 62) + header[BLOCK:]),
           "reject", "truncated or corrupt", True, "data.tar")

    yield ("devices",
           tar_of(entry("./dev/", tarfile.DIRTYPE, mode=0o755),
                  entry("./dev/null", tarfile.CHRTYPE, mode=0o666, devmajor=1, devminor=3),
                  entry("./dev/sda", tarfile.BLKTYPE, mode=0o660, devmajor=8, devminor=0),
                  entry("./dev/fifo", tarfile.FIFOTYPE, mode=0o600)),
           "ok", "/dev/null", True, "data.tar.gz")

    latin1 = "./usr/caf\udce9"  # the byte 0xE9 on its own: Latin-1, invalid UTF-8
    yield ("non-utf8-name", with_directories(entry(latin1, data=b"x")),
           "ok", "/usr/caf\udce9", True, "data.tar.gz")

    long_dir = "./usr/" + "/".join(["d" * 60] * 5)
    long_target = "/" + "t" * 250
    for form, label in ((tarfile.GNU_FORMAT, "gnu"), (tarfile.PAX_FORMAT, "pax")):
        yield ("long-names-" + label,
               tar_of(entry(long_dir + "/file", data=b"x", form=form),
                      entry(long_dir + "/link", tarfile.SYMTYPE, target=long_target, form=form)),
               "ok", long_dir[1:] + "/link", True, "data.tar.gz")
    yield ("name-over-limit", tar_of(entry("./usr/" + "/".join(["n" * 200] * 21), data=b"x")),
           "reject", "the limit is 4095", True, "data.tar.gz")


def fixture_cases():
    """Yield (name, fixture path, expect, detail) for the shared tar fixtures."""
    reject = [
        ("libarchive/test_read_format_tar_invalid_pax_size.tar.uu", "truncated or corrupt"),
        ("libarchive/test_read_format_tar_pax_g_large.tar.uu", "truncated or corrupt"),
        ("node-tar/bad-cksum.tar", "truncated or corrupt"),
        ("node-tar/path-missing.tar", "empty name"),
        ("libarchive/test_read_format_tar_empty_filename.tar.uu", "empty name"),
        ("node-tar/links-invalid.tar", "has an empty target"),
        ("node-tar/excessively-deep.tar", "the limit is 4095"),
    ]
    accept = [
        # NOTE: libarchive 3.6.2 (Debian 12) skips this GNU volume header with a
        # negative size and reports an empty archive, so the package imports
        # with no files. That is safe, because nothing is unpacked.
        ("libarchive/test_read_format_tar_V_negative_size.tar.uu", "-"),
        ("libarchive/test_leading_slash.tar.uu", "-"),
        # Both entries decode to the same raw name, with and without
        # hdrcharset=BINARY; the later one is kept.
        ("libarchive/test_pax_filename_encoding.tar.uu", "-"),
        ("libarchive/test_compat_gtar_1.tar.uu", "-"),
        ("libarchive/test_print_longpath.tar.Z.uu", "-"),
        ("libarchive/test_compat_tar_hardlink_1.tar.uu", "-"),
        ("libarchive/test_read_format_gtar_filename_koi8r.tar.Z.uu", "-"),
        ("node-tar/utf8.tar", "-"),
        ("libarchive/test_read_format_gtar_sparse_1_17_posix10.tar.uu", "-"),
        ("libarchive/test_pax_xattr_header_all.tar.uu", "-"),
        ("libarchive/test_compat_gtar_2.tar.uu", "-"),
        ("libarchive/test_read_format_tar_concatenated.tar.uu", "-"),
        ("libarchive/test_read_format_tar_timestamp_overflow.tar.uu", "-"),
    ]
    for path, text in reject:
        yield path, "reject", text
    for path, detail in accept:
        yield path, "ok", detail


def uudecode(text):
    """Decode the first uuencoded body in text (between 'begin' and 'end')."""
    out = bytearray()
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith(b"begin "):
            break
    else:
        raise ValueError("no 'begin' line")
    for line in lines:
        if line == b"end":
            break
        if not line:
            continue
        length = (line[0] - 32) & 0x3F
        if length == 0:
            continue
        decoded = bytearray()
        body = line[1:]
        for i in range(0, len(body), 4):
            group = [(c - 32) & 0x3F for c in body[i:i + 4].ljust(4, b" ")]
            decoded += bytes([(group[0] << 2 | group[1] >> 4) & 0xFF,
                              (group[1] << 4 | group[2] >> 2) & 0xFF,
                              (group[2] << 6 | group[3]) & 0xFF])
        out += decoded[:length]
    return bytes(out)


def hex_path(path):
    return path.encode("utf-8", "surrogateescape").hex()


def main():
    out = sys.argv[1]
    fixtures = sys.argv[2] if len(sys.argv) > 2 else None
    os.makedirs(out, exist_ok=True)
    rows = []

    for name, data_tar, expect, detail, as_apk, data_name in hostile_cases():
        package = "hostile-" + name
        if data_name.endswith(":raw"):  # already compressed, and maybe broken
            data_name = data_name[:-4]
            payload = ar_archive([("debian-binary", b"2.0\n"),
                                  ("control.tar.gz", control_tar(package)),
                                  (data_name, data_tar)])
        else:
            payload = deb(package, data_tar, data_name)
        check = hex_path(detail) if expect == "ok" else detail
        with open(os.path.join(out, name + ".deb"), "wb") as f:
            f.write(payload)
        rows.append((name + ".deb", name + ".deb", expect, check))
        if as_apk:
            with open(os.path.join(out, name + ".apk"), "wb") as f:
                f.write(apk(package, data_tar))
            rows.append((name + ".apk", name + ".apk", expect, check))

    # Zeros in an entry the reader skips unread (the signature of an .apk)
    # are unpacked all the same, so they count against the expansion limit.
    signature = entry(".SIGN.RSA.key.rsa.pub", data=bytes(BOMB_BYTES))
    with open(os.path.join(out, "skipped-bomb.apk"), "wb") as f:
        f.write(gzip.compress(signature, compresslevel=9, mtime=0) +
                apk("hostile-skipped-bomb", with_directories(entry("./usr/f", data=b"x"))))
    rows.append(("skipped-bomb.apk", "skipped-bomb.apk", "reject", "expands"))

    # A control file over the 4 MiB limit of the control parser.
    big_control = control_tar("hostile-control", b"X-Filler: " + b"x" * (5 << 20) + b"\n")
    with open(os.path.join(out, "huge-control.deb"), "wb") as f:
        f.write(deb("hostile-control", tar_of(), "data.tar", control=big_control))
    rows.append(("huge-control.deb", "huge-control.deb", "reject", "the limit is"))

    if fixtures:
        for index, (path, expect, detail) in enumerate(fixture_cases()):
            with open(os.path.join(fixtures, path), "rb") as f:
                data = f.read()
            if path.endswith(".uu"):
                data = uudecode(data)
            name = "fixture-%02d-%s" % (index, os.path.basename(path).split(".")[0])
            package = "fixture-%02d" % index
            with open(os.path.join(out, name + ".deb"), "wb") as f:
                f.write(deb(package, data, "data.tar"))
            rows.append((path, name + ".deb", expect, detail))

    with open(os.path.join(out, "cases.tsv"), "w", encoding="utf-8") as f:
        for row in rows:
            f.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
