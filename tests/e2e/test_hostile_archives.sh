#!/bin/sh
# Hostile packages through `whittle catalog import`: entries that escape the
# root, files written through symlinks, decompression bombs, huge sizes,
# odd names, and the tar test files of libarchive and node-tar wrapped as a
# .deb data.tar. Each must be rejected with the expected message and leave
# the catalog exactly as it was, or import with its paths inside the root.
# tests/tools/make-hostile.py writes the packages and lists the cases.
. "$(dirname "$0")/lib.sh"

cases="$TEST_DIR/cases"
python3 "$WHITTLE_SOURCE/tests/tools/make-hostile.py" "$cases" "$FIXTURES" ||
    fail "make-hostile.py could not write the test packages"

catalog="$TEST_DIR/catalog/catalog.db"
mkdir -p "$TEST_DIR/catalog"

# fingerprint: every row of every table and every file under blobs/,
# temporary ones included, so a failed import that changed anything shows.
fingerprint() {
    {
        sqlite3 "$catalog" .dump
        (cd "$TEST_DIR/catalog" && find blobs -type f -printf '%p %s\n' | LC_ALL=C sort)
    } | sha256sum
}

# has_path FILE HEX: the component imported from FILE has a file whose
# path has these bytes.
has_path() {
    [ "$(sqlite3 "$catalog" "SELECT count(*) FROM files
        JOIN components ON components.id = files.component_id
        WHERE components.origin_path = '$cases/$1' AND hex(files.path) = upper('$2')")" = 1 ]
}

# The catalog contains one component before the hostile ones, so "unchanged"
# covers existing rows and blobs too.
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import "$cases/valid.deb"

checked=0
tab=$(printf '\t')
while IFS="$tab" read -r label file expect detail; do
    [ "$file" = valid.deb ] && continue
    before=$(fingerprint)
    set +e
    timeout 30 "$WHITTLE" --catalog "$catalog" catalog import "$cases/$file" \
        >"$TEST_DIR/out" 2>"$TEST_DIR/err"
    status=$?
    set -e

    case $expect in
    reject)
        if [ "$status" != 2 ]; then
            cat "$TEST_DIR/err" >&2
            fail "$label: expected exit status 2 (rejected), got $status"
        fi
        grep -qF -- "$detail" "$TEST_DIR/err" || {
            cat "$TEST_DIR/err" >&2
            fail "$label: expected '$detail' in the error message"
        }
        [ "$(fingerprint)" = "$before" ] ||
            fail "$label: the catalog changed although the import failed"
        ;;
    ok)
        if [ "$status" != 0 ]; then
            cat "$TEST_DIR/err" >&2
            fail "$label: expected the import to succeed, got exit status $status"
        fi
        if [ "$detail" != - ]; then
            has_path "$file" "$detail" || fail "$label: no file with the path bytes $detail"
        fi
        ;;
    esac
    checked=$((checked + 1))
done <"$cases/cases.tsv"

# A path that appears twice keeps the later entry's content, in the .deb and the .apk.
duplicate=$(sqlite3 "$catalog" "SELECT DISTINCT files.sha256 FROM files
    JOIN components ON components.id = files.component_id
    WHERE components.origin_path LIKE '$cases/duplicate%' AND files.path = '/usr/f'")
[ "$duplicate" = "$(printf second | sha256sum | cut -d' ' -f1)" ] ||
    fail "the duplicated /usr/f does not hold the later entry's content"

# No file of any import may lie outside the root or under a non-directory.
escaped=$(sqlite3 "$catalog" "SELECT count(*) FROM files
    WHERE path NOT LIKE '/%' OR path LIKE '%/../%' OR path LIKE '%/..' OR path LIKE '%//%'")
[ "$escaped" = 0 ] || fail "$escaped file paths are not normalised absolute paths"
under_non_directory=$(sqlite3 "$catalog" "SELECT count(*) FROM files AS child
    JOIN files AS parent ON parent.component_id = child.component_id
     AND substr(child.path, 1, length(parent.path) + 1) = parent.path || '/'
    WHERE parent.type <> 'directory'")
[ "$under_non_directory" = 0 ] || fail "$under_non_directory files lie under a non-directory"

# Long link targets arrive whole in both forms: "/" and 250 letters.
for form in gnu pax; do
    length=$(sqlite3 "$catalog" "SELECT length(files.target) FROM files
        JOIN components ON components.id = files.component_id
        WHERE components.name = 'hostile-long-names-$form' AND files.type = 'symlink'
        AND components.origin_format = 'deb'")
    [ "$length" = 251 ] || fail "long-names-$form: the symlink target has $length bytes, not 251"
done

# Device nodes keep their numbers; the integrity of the database holds.
[ "$(sqlite3 "$catalog" "SELECT type, rdev <> 0 FROM files WHERE path = '/dev/null' LIMIT 1")" = "device|1" ] ||
    fail "/dev/null was not stored as a device with its numbers"
[ "$(sqlite3 "$catalog" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check failed"

# The expansion limit is configurable: a higher one lets the bomb in.
WHITTLE_MAX_EXPANSION=5000 expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import \
    "$cases/bomb.deb"
has_path bomb.deb "$(printf '/usr/zeros' | od -An -tx1 | tr -d ' \n')" ||
    fail "the bomb did not import under a raised limit"
WHITTLE_MAX_EXPANSION=abc expect_status 2 "$WHITTLE" --catalog "$catalog" catalog import \
    "$cases/bomb.apk"
expect_contains "$TEST_DIR/err" "WHITTLE_MAX_EXPANSION"

echo "hostile archives: $checked cases checked"
