#!/bin/sh
# Kills `whittle catalog import` of several real .deb files with SIGKILL at
# random points, 50 times, and checks after each kill that the catalog is
# whole: SQLite's integrity check passes, the import is there entirely or
# not at all, no file row lacks its component or its blob, and the next open
# removes the temporary blob files the killed writer left.
. "$(dirname "$0")/lib.sh"

trials=${CRASH_TRIALS:-50}

packages=""
for name in libc6 tzdata ca-certificates zlib1g libffi8 netbase dumb-init; do
    deb=$(ls "$DEB_CACHE"/"${name}"_*.deb 2>/dev/null | head -n 1)
    [ -n "$deb" ] || fail "no ${name}_*.deb in $DEB_CACHE; run 'whittle catalog seed' first"
    packages="$packages $deb"
done
set -- $packages
package_count=$#

# SIGKILL loses nothing that was written, so fsync costs time without changing
# what is tested: use memory-backed storage when there is some.
work=$TEST_DIR
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    work=$(mktemp -d /dev/shm/whittle-crash.XXXXXX)
    trap 'rm -rf "$TEST_DIR" "$work"' EXIT
fi

# The catalog every trial starts from contains one earlier component, so "none
# of the import" is checked against existing rows too.
baseline="$work/baseline"
mkdir -p "$baseline"
expect_status 0 "$WHITTLE" --catalog "$baseline/catalog.db" catalog import \
    "$WHITTLE_SOURCE/tests/data/spec/valid/minimal.json" --name minimal --version 1
components_before=$(sqlite3 "$baseline/catalog.db" 'SELECT count(*) FROM components')
components_after=$((components_before + package_count))

now_ms() {
    date +%s%3N
}

# How long one whole import takes here bounds the random delays.
cp -a "$baseline" "$work/timing"
start=$(now_ms)
expect_status 0 "$WHITTLE" --catalog "$work/timing/catalog.db" catalog import "$@"
duration=$(($(now_ms) - start))
[ "$duration" -le 1500 ] || duration=1500
rm -rf "$work/timing"

# check_catalog DB TRIAL: everything the crash must not break.
check_catalog() {
    db=$1
    label="trial $2"
    [ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "$label: integrity_check failed"
    [ "$(sqlite3 "$db" 'PRAGMA foreign_key_check' | wc -l)" = 0 ] ||
        fail "$label: foreign_key_check lists rows"

    count=$(sqlite3 "$db" 'SELECT count(*) FROM components')
    [ "$count" = "$components_before" ] || [ "$count" = "$components_after" ] ||
        fail "$label: $count components, expected $components_before or $components_after"

    orphans=$(sqlite3 "$db" 'SELECT count(*) FROM files
        WHERE component_id NOT IN (SELECT id FROM components)')
    [ "$orphans" = 0 ] || fail "$label: $orphans file rows without a component"

    blobs=$(dirname "$db")/blobs
    sqlite3 "$db" "SELECT DISTINCT sha256 FROM files WHERE sha256 IS NOT NULL" |
        LC_ALL=C sort >"$work/wanted"
    ls "$blobs/sha256" | LC_ALL=C sort >"$work/present"
    missing=$(LC_ALL=C comm -23 "$work/wanted" "$work/present" | wc -l)
    [ "$missing" = 0 ] || fail "$label: $missing file rows have no blob"

    # Opening the catalog removes what the killed writer left in blobs/.
    swept=$((swept + $(ls "$blobs" | grep -c '^tmp-' || true)))
    "$WHITTLE" --catalog "$db" catalog list >/dev/null ||
        fail "$label: the catalog cannot be listed after the crash"
    leftover=$(ls "$blobs" | grep -c '^tmp-' || true)
    [ "$leftover" = 0 ] || fail "$label: $leftover temporary blob files left after reopening"
}

none=0
all=0
swept=0
deadline=$(($(date +%s) + 90))
trial=1
while [ "$trial" -le "$trials" ]; do
    [ "$(date +%s)" -le "$deadline" ] || fail "only $((trial - 1)) trials ran in 90 seconds"
    catalog="$work/trial"
    rm -rf "$catalog"
    cp -a "$baseline" "$catalog"

    # Up to a quarter past the measured time, so some kills come after the commit.
    delay_ms=$(($(od -An -N2 -tu2 /dev/urandom) % (duration * 5 / 4 + 1)))
    "$WHITTLE" --catalog "$catalog/catalog.db" catalog import "$@" >/dev/null 2>&1 &
    pid=$!
    sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true

    check_catalog "$catalog/catalog.db" "$trial (killed after $delay_ms ms)"
    if [ "$count" = "$components_before" ]; then none=$((none + 1)); else all=$((all + 1)); fi
    trial=$((trial + 1))
done

# After the last kill the same import still runs to the end.
if [ "$count" = "$components_before" ]; then
    expect_status 0 "$WHITTLE" --catalog "$catalog/catalog.db" catalog import "$@"
    check_catalog "$catalog/catalog.db" "after the last trial"
    [ "$count" = "$components_after" ] || fail "the import after the kills did not complete"
fi

[ "$none" -gt 0 ] || fail "no kill landed before the commit; the delays are too long"
echo "import crash: $trials kills within $((duration * 5 / 4)) ms: $none left no trace," \
    "$all completed, $swept temporary blob files removed on reopening"
