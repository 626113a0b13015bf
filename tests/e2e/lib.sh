# Shared helpers for the end-to-end tests; sourced by tests/e2e/test_*.sh.
# Each test runs `$WHITTLE` (set by tests/tools/run-e2e.sh) in a private
# temporary folder that is removed when the test exits.

set -eu

: "${WHITTLE:?set WHITTLE to the whittle binary}"
WHITTLE_SOURCE=${WHITTLE_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
FIXTURES="$WHITTLE_SOURCE/../shared/fixtures"

TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/whittle-e2e.XXXXXX")
trap 'rm -rf "$TEST_DIR"' EXIT

# A private catalog and data folder per test, so nothing touches the user's.
export XDG_DATA_HOME="$TEST_DIR/data"
unset WHITTLE_CATALOG

# Downloaded .deb files are shared between tests and runs to avoid
# downloading them again; E2E_DEB_CACHE overrides the folder.
DEB_CACHE=${E2E_DEB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/whittle/debs}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# expect_status CODE COMMAND...: runs COMMAND, fails unless it exits with CODE.
# Its stdout and stderr are left in $TEST_DIR/out and $TEST_DIR/err.
expect_status() {
    expected=$1
    shift
    set +e
    "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
    actual=$?
    set -e
    if [ "$actual" != "$expected" ]; then
        echo "command: $*" >&2
        echo "stdout:" >&2; cat "$TEST_DIR/out" >&2
        echo "stderr:" >&2; cat "$TEST_DIR/err" >&2
        fail "expected exit status $expected, got $actual"
    fi
}

# expect_contains FILE TEXT: fails unless FILE contains TEXT.
expect_contains() {
    grep -qF -- "$2" "$1" || {
        echo "--- $1:" >&2; cat "$1" >&2
        fail "expected '$2' in $1"
    }
}

# seeded_catalog: prints the path of a catalog holding the demo seed. It is
# made once per test run (in $E2E_STATE) and must not be changed by tests;
# copy it with copy_catalog first.
seeded_catalog() {
    state=${E2E_STATE:-$TEST_DIR}
    catalog="$state/seeded/catalog.db"
    if [ ! -f "$state/seeded/.done" ]; then
        mkdir -p "$state/seeded"
        "$WHITTLE" --catalog "$catalog" catalog seed --cache-dir "$DEB_CACHE" >"$state/seeded/seed.log" 2>&1 || {
            cat "$state/seeded/seed.log" >&2
            fail "seeding the demo catalog failed"
        }
        touch "$state/seeded/.done"
    fi
    echo "$catalog"
}

# copy_catalog SOURCE_DB DEST_DIR: copies a catalog with its blob store and
# prints the new database path.
copy_catalog() {
    mkdir -p "$2"
    source_dir=$(dirname "$1")
    sqlite3 "$1" ".backup '$2/catalog.db'"
    cp -a "$source_dir/blobs" "$2/"
    echo "$2/catalog.db"
}
