#!/bin/sh
# A Debian bookworm minbase rootfs made with debootstrap imports as a base
# with one component per installed package, and inspect classifies its
# shells, package managers and setuid files.
#
# The rootfs tarball is cached in $XDG_CACHE_HOME/whittle/debootstrap (else
# ~/.cache/whittle/debootstrap), because making it downloads about 45 MB and
# takes minutes. Set E2E_DEBOOTSTRAP_MIRROR to choose the mirror; by default
# it is the first Debian URI in apt's sources. Needs root to run debootstrap.
. "$(dirname "$0")/lib.sh"

cache=${XDG_CACHE_HOME:-$HOME/.cache}/whittle/debootstrap
tarball="$cache/bookworm-minbase.tar"

# The first "deb" URI of apt's sources that is not the security archive.
apt_mirror() {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
        awk '$1 == "deb" && $2 !~ /security/ { print $2; exit }'
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '$1 == "URIs:" && $2 !~ /security/ { print $2; exit }'
}

if [ ! -f "$tarball" ]; then
    if [ "$(id -u)" != 0 ] || ! command -v debootstrap >/dev/null; then
        echo "skip: debootstrap needs root and the debootstrap package to build $tarball"
        exit 0
    fi
    mirror=${E2E_DEBOOTSTRAP_MIRROR:-$(apt_mirror | head -n 1)}
    [ -n "$mirror" ] || fail "no Debian mirror in /etc/apt/sources*; set E2E_DEBOOTSTRAP_MIRROR"
    mkdir -p "$cache"
    debootstrap --variant=minbase bookworm "$TEST_DIR/bootstrap" "$mirror" \
        >"$TEST_DIR/debootstrap.log" 2>&1 || {
        tail -n 30 "$TEST_DIR/debootstrap.log" >&2
        fail "debootstrap from $mirror failed"
    }
    tar -C "$TEST_DIR/bootstrap" --numeric-owner --xattrs --xattrs-include='*' -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
    rm -rf "$TEST_DIR/bootstrap"
fi

root="$TEST_DIR/root"
mkdir -p "$root"
tar -C "$root" --numeric-owner -xf "$tarball" 2>/dev/null || true

# ---- import: one component per installed package, plus the unowned files ----
catalog="$TEST_DIR/catalog.db"
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image "rootfs-archive:$tarball" --name bookworm
packages=$(dpkg-query --admindir="$root/var/lib/dpkg" -W | wc -l)
components=$(sqlite3 "$catalog" "SELECT count(*) FROM components WHERE name LIKE 'bookworm/%'")
[ "$packages" = "$components" ] || fail "dpkg-query lists $packages packages, the import made $components components"
[ "$(sqlite3 "$catalog" "SELECT count(*) FROM components WHERE name = 'bookworm'")" = 1 ] ||
    fail "no component for the unowned files"
owner=$(sqlite3 "$catalog" "SELECT c.name FROM files f JOIN components c ON c.id = f.component_id
                             WHERE f.path = '/usr/bin/dpkg' AND f.type = 'regular'")
[ "$owner" = bookworm/dpkg ] || fail "/usr/bin/dpkg belongs to '$owner', expected bookworm/dpkg"

# ---- inspect: shells, package managers, setuid files ----
expect_status 1 "$WHITTLE" inspect "rootfs:$root" --policy strict --json
cp "$TEST_DIR/out" "$TEST_DIR/inspect.json"

has_flag() {
    # has_flag FLAG PATH...: one of the paths (merged /usr gives two names) has FLAG.
    flag=$1
    shift
    for path in "$@"; do
        jq -e --arg p "$path" --arg f "$flag" \
            '.file_list[] | select(.path == $p) | .flags | index($f)' "$TEST_DIR/inspect.json" >/dev/null &&
            return 0
    done
    return 1
}

has_flag shell /bin/bash /usr/bin/bash || fail "bash is not reported as a shell"
has_flag shell /bin/dash /usr/bin/dash || fail "dash is not reported as a shell"
has_flag package-manager /usr/bin/dpkg /bin/dpkg || fail "dpkg is not reported as a package manager"
has_flag package-manager /usr/bin/apt /bin/apt || fail "apt is not reported as a package manager"

(cd "$root" && find . -perm -4000 -type f | sed 's|^\.||') >"$TEST_DIR/setuid.txt"
[ -s "$TEST_DIR/setuid.txt" ] || fail "find found no setuid files in the minbase tree"
while IFS= read -r path; do
    has_flag setuid "$path" || fail "$path is setuid but inspect does not report it"
done <"$TEST_DIR/setuid.txt"
jq -e '.policy.findings | map(select(.rule == "no-shell")) | length > 0' "$TEST_DIR/inspect.json" >/dev/null ||
    fail "the strict policy reports no shell"

echo "ok"
