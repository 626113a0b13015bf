#!/bin/sh
# Help, version, usage errors and exit codes of the command line.
. "$(dirname "$0")/lib.sh"

expect_status 0 "$WHITTLE" --version
grep -Eq '^whittle [0-9]+\.[0-9]+\.[0-9]+$' "$TEST_DIR/out" || fail "bad --version output"

expect_status 0 "$WHITTLE" --help
expect_contains "$TEST_DIR/out" "Usage: whittle"
expect_contains "$TEST_DIR/out" "catalog"
expect_contains "$TEST_DIR/out" "Exit codes"

# Every command and subcommand has its own help on stdout with exit 0.
for command in "catalog" "catalog import" "catalog list" "catalog show" "catalog seed"; do
    # shellcheck disable=SC2086
    expect_status 0 "$WHITTLE" $command --help
    expect_contains "$TEST_DIR/out" "Usage: whittle $command"
done

expect_status 2 "$WHITTLE" frobnicate
expect_contains "$TEST_DIR/err" "unknown command 'frobnicate'"

expect_status 2 "$WHITTLE" --frobnicate
expect_contains "$TEST_DIR/err" "unknown option '--frobnicate'"

expect_status 2 "$WHITTLE" catalog frobnicate
expect_contains "$TEST_DIR/err" "frobnicate"

expect_status 2 "$WHITTLE" catalog list --frobnicate
expect_status 2 "$WHITTLE" --catalog
expect_contains "$TEST_DIR/err" "--catalog"

# The catalog path: --catalog, then WHITTLE_CATALOG, then XDG_DATA_HOME.
expect_status 0 "$WHITTLE" catalog list
[ -f "$XDG_DATA_HOME/whittle/catalog.db" ] || fail "XDG_DATA_HOME catalog was not created"

WHITTLE_CATALOG="$TEST_DIR/env/catalog.db" expect_status 0 "$WHITTLE" catalog list
[ -f "$TEST_DIR/env/catalog.db" ] || fail "WHITTLE_CATALOG was not used"

WHITTLE_CATALOG="$TEST_DIR/env/catalog.db" \
    expect_status 0 "$WHITTLE" --catalog "$TEST_DIR/flag/catalog.db" catalog list
[ -f "$TEST_DIR/flag/catalog.db" ] || fail "--catalog did not take precedence"

# An unusable catalog path is a clear error with exit 2.
touch "$TEST_DIR/not-a-folder"
expect_status 2 "$WHITTLE" --catalog "$TEST_DIR/not-a-folder/catalog.db" catalog list
expect_contains "$TEST_DIR/err" "$TEST_DIR/not-a-folder"

# A file that is not a SQLite database is named in the error.
printf 'this is not a database, just text of some length to fill a page\n' >"$TEST_DIR/bogus.db"
expect_status 2 "$WHITTLE" --catalog "$TEST_DIR/bogus.db" catalog list
expect_contains "$TEST_DIR/err" "bogus.db"
