#!/bin/sh
# `whittle catalog list` and `whittle catalog show` on empty catalogs: output,
# exit codes, option validation and which catalog path each setting selects.
set -u

: "${WHITTLE:?set WHITTLE to the whittle binary}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run NAME COMMAND...: runs COMMAND, storing stdout, stderr and the exit code.
run() {
    name=$1
    shift
    "$@" >"$work/$name.out" 2>"$work/$name.err"
    status=$?
}

expect_status() {
    [ "$status" = "$1" ] || fail "$2: exit code $status, expected $1 (stderr: $(cat "$work/$3.err"))"
}

expect_text() {
    grep -qF -- "$2" "$work/$1" || fail "$1 does not contain '$2': $(cat "$work/$1")"
}

# Keep every default path inside the temporary folder.
export HOME="$work/home"
unset WHITTLE_CATALOG XDG_DATA_HOME
mkdir -p "$HOME"

# An empty catalog lists nothing and prints how to fill it.
run empty "$WHITTLE" catalog list --catalog "$work/a/catalog.db"
expect_status 0 "list on an empty catalog" empty
expect_text empty.out "No components in catalog $work/a/catalog.db"
[ -f "$work/a/catalog.db" ] || fail "list did not create $work/a/catalog.db"
[ -d "$work/a/blobs/sha256" ] || fail "list did not create $work/a/blobs/sha256"

run empty_json "$WHITTLE" catalog list --json --catalog "$work/a/catalog.db"
expect_status 0 "list --json on an empty catalog" empty_json
[ "$(tr -d ' \n' <"$work/empty_json.out")" = "[]" ] \
    || fail "list --json on an empty catalog printed: $(cat "$work/empty_json.out")"

run empty_kind "$WHITTLE" catalog list --kind library --catalog "$work/a/catalog.db"
expect_status 0 "list --kind library" empty_kind
expect_text empty_kind.out "No components of kind library"

# --kind accepts only the five kinds and names them when it rejects a value.
run bad_kind "$WHITTLE" catalog list --kind tools --catalog "$work/a/catalog.db"
expect_status 2 "list --kind tools" bad_kind
expect_text bad_kind.err "invalid kind 'tools'"
expect_text bad_kind.err "utility, library, data, base, application"

run missing_kind "$WHITTLE" catalog list --kind
expect_status 2 "list --kind without a value" missing_kind

# An unknown component exits 2 and points to the list.
run unknown "$WHITTLE" catalog show no-such-tool --catalog "$work/a/catalog.db"
expect_status 2 "show of an unknown component" unknown
expect_text unknown.err \
    "component 'no-such-tool' not found in catalog $work/a/catalog.db; see 'whittle catalog list'"

run unknown_version "$WHITTLE" catalog show tini@0.19.0 --json --catalog "$work/a/catalog.db"
expect_status 2 "show of an unknown version" unknown_version
expect_text unknown_version.err "component 'tini@0.19.0' not found"

run no_name "$WHITTLE" catalog show --catalog "$work/a/catalog.db"
expect_status 2 "show without a name" no_name
expect_text no_name.err "missing component name"

run help "$WHITTLE" catalog show --help
expect_status 0 "show --help" help
expect_text help.out "Usage: whittle catalog show NAME[@VERSION]"

# Path precedence: --catalog, then WHITTLE_CATALOG, then XDG_DATA_HOME, then HOME.
run home "$WHITTLE" catalog list
expect_status 0 "list with only HOME" home
expect_text home.out "catalog $HOME/.local/share/whittle/catalog.db"

export XDG_DATA_HOME="$work/xdg"
run xdg "$WHITTLE" catalog list
expect_status 0 "list with XDG_DATA_HOME" xdg
expect_text xdg.out "catalog $work/xdg/whittle/catalog.db"

export WHITTLE_CATALOG="$work/env/catalog.db"
run env "$WHITTLE" catalog list
expect_status 0 "list with WHITTLE_CATALOG" env
expect_text env.out "catalog $work/env/catalog.db"

run option "$WHITTLE" catalog list --catalog "$work/option/catalog.db"
expect_status 0 "list with --catalog" option
expect_text option.out "catalog $work/option/catalog.db"

run global "$WHITTLE" --catalog "$work/global/catalog.db" catalog list
expect_status 0 "list with a global --catalog" global
expect_text global.out "catalog $work/global/catalog.db"

run show_env "$WHITTLE" catalog show tini
expect_status 2 "show with WHITTLE_CATALOG" show_env
expect_text show_env.err "catalog $work/env/catalog.db"

# A folder is not a catalog file.
run folder "$WHITTLE" catalog list --catalog "$work"
expect_status 2 "list with a folder as catalog" folder
expect_text folder.err "is a folder"

# A catalog filled through the sqlite3 shell, so show and list are checked
# on real rows without depending on an importer.
if command -v sqlite3 >/dev/null 2>&1 && command -v jq >/dev/null 2>&1; then
    db="$work/filled/catalog.db"
    run create "$WHITTLE" catalog list --catalog "$db"
    origin1=$(printf one | sha256sum | cut -d' ' -f1)
    origin2=$(printf two | sha256sum | cut -d' ' -f1)
    origin3=$(printf three | sha256sum | cut -d' ' -f1)
    content=$(printf 'busybox binary' | sha256sum | cut -d' ' -f1)
    sqlite3 "$db" <<SQL || fail "filling $db with sqlite3 failed"
PRAGMA foreign_keys = ON;
INSERT INTO components VALUES
  (1, 'busybox', '1:1.36.1-9', 'amd64', 'utility', 'GPL-2.0-only', 'Tiny utilities',
   '/srv/busybox.deb', '$origin1', 'deb'),
  (2, 'busybox', '1.37.0-1', 'amd64', 'utility', NULL, NULL, '/srv/old.deb', '$origin2', 'deb'),
  (3, 'tzdata', '2024a-1', 'all', 'data', 'public-domain', 'time zones', '/srv/tz.deb',
   '$origin3', 'deb');
INSERT INTO files (component_id, path, type, mode, uid, gid, size, sha256, target, flags,
                   interpreter, multicall) VALUES
  (1, '/bin', 'symlink', 41471, 0, 0, 0, NULL, 'usr/bin', 0, NULL, NULL),
  (1, '/usr/bin', 'directory', 16877, 0, 0, 0, NULL, NULL, 0, NULL, NULL),
  (1, '/usr/bin/busybox', 'regular', 35309, 0, 0, 14, '$content', NULL, 176,
   '/lib64/ld-linux-x86-64.so.2', 'busybox'),
  (1, '/usr/bin/sh', 'symlink', 41471, 0, 0, 0, NULL, 'busybox', 0, NULL, NULL),
  (1, '/usr/bin/ls', 'hardlink', 33261, 0, 0, 14, NULL, '/usr/bin/busybox', 0, NULL, NULL),
  (1, '/sbin/init', 'symlink', 41471, 0, 0, 0, NULL, '../bin/busybox', 0, NULL, NULL),
  (1, '/usr/bin/other', 'symlink', 41471, 0, 0, 0, NULL, '/usr/bin/missing', 0, NULL, NULL);
INSERT INTO needed VALUES (1, '/usr/bin/busybox', 0, 'libc.so.6');
INSERT INTO xattrs VALUES (1, '/usr/bin/busybox', 'user.note', CAST('hi!' AS BLOB));
INSERT INTO relations VALUES
  (1, 'depends', 0, 0, 'libc6', '>=', '2.34', NULL),
  (1, 'depends', 0, 1, 'libc6.1', NULL, NULL, NULL),
  (1, 'provides', 0, 0, 'cmd:sh', NULL, NULL, NULL);
SQL

    # flags 176 = shell (16) + multicall (32) + setuid (128); mode 35309 = 0104755.
    run show "$WHITTLE" catalog show busybox@1:1.36.1-9 --json --catalog "$db"
    expect_status 0 "show busybox@1:1.36.1-9 --json" show
    check() {
        actual=$(jq -c "$1" "$work/show.out")
        [ "$actual" = "$2" ] || fail "show --json: $1 is $actual, expected $2"
    }
    check '.version' '"1:1.36.1-9"'
    check '.origin' '{"format":"deb","path":"/srv/busybox.deb","sha256":"'"$origin1"'"}'
    check '.requires[0].text' '"libc6 (>= 2.34) | libc6.1"'
    check '.requires[0].alternatives[0]' '{"name":"libc6","op":">=","version":"2.34"}'
    check '.provides[0].text' '"cmd:sh"'
    check '.conflicts' '[]'
    check '.files | length' '7'
    check '.size' '14'
    check '.files[] | select(.path == "/usr/bin/busybox") | .mode' '"4755"'
    check '.files[] | select(.path == "/usr/bin/busybox") | .flags' \
        '["shell","multicall","setuid"]'
    check '.files[] | select(.path == "/usr/bin/busybox") | .needed' '["libc.so.6"]'
    check '.files[] | select(.path == "/usr/bin/busybox") | .xattrs' '{"user.note":"aGkh"}'
    check '.files[] | select(.path == "/usr/bin/busybox") | .links' \
        '["/sbin/init","/usr/bin/ls","/usr/bin/sh"]'
    check '.files[] | select(.path == "/bin") | .target' '"usr/bin"'
    check '.files[] | select(.path == "/bin") | has("sha256")' 'false'

    # Without @VERSION the highest Debian version wins: the epoch 1: beats 1.37.
    run highest "$WHITTLE" catalog show busybox --catalog "$db"
    expect_status 0 "show busybox" highest
    expect_text highest.out "busybox 1:1.36.1-9 (amd64)"
    expect_text highest.out "requires:  libc6 (>= 2.34) | libc6.1"
    expect_text highest.out "/usr/bin/sh -> busybox"

    run list_data "$WHITTLE" catalog list --kind data --json --catalog "$db"
    expect_status 0 "list --kind data --json" list_data
    [ "$(jq -c '[.[].name]' "$work/list_data.out")" = '["tzdata"]' ] \
        || fail "list --kind data --json printed: $(cat "$work/list_data.out")"

    run list_all "$WHITTLE" catalog list --catalog "$db"
    expect_status 0 "list of a filled catalog" list_all
    [ "$(awk 'NR > 1 { print $2 }' "$work/list_all.out" | tr '\n' ' ')" \
        = "1.37.0-1 1:1.36.1-9 2024a-1 " ] \
        || fail "list does not sort versions by Debian order: $(cat "$work/list_all.out")"
else
    echo "SKIP: filled-catalog checks need sqlite3 and jq"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
