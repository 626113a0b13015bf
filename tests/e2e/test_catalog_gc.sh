#!/bin/sh
# `whittle catalog gc`: removes blobs that no files or images row references,
# keeps every referenced one (an image built afterwards is unchanged), lists
# without removing under --dry-run, and waits for, then gives up on, an
# import that holds the catalog's write lock.
. "$(dirname "$0")/lib.sh"

catalog=$(copy_catalog "$(seeded_catalog)" "$TEST_DIR/catalog")
store="$TEST_DIR/catalog/blobs/sha256"
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import-image \
    "docker-archive:$FIXTURES/ggcr/whiteout_dir.tar" --name whiteout-dir

# An image built before the collection, to compare with one built after it.
printf '{"components": ["caddy", "tzdata"], "policy": "none"}\n' >"$TEST_DIR/spec.json"
expect_status 0 "$WHITTLE" --catalog "$catalog" build "$TEST_DIR/spec.json" -o "oci:$TEST_DIR/before"
before=$(tail -n 1 "$TEST_DIR/out")

# Two orphans, as a killed import leaves them, and two files gc must not touch.
orphan_a=$(printf 'orphan a' | sha256sum | cut -c1-64)
orphan_b=$(printf 'orphan bb' | sha256sum | cut -c1-64)
printf 'orphan a' >"$store/$orphan_a"
printf 'orphan bb' >"$store/$orphan_b"
printf 'not a blob name' >"$store/README"
mkdir "$store/$(printf 'a folder' | sha256sum | cut -c1-64)"
referenced=$(sqlite3 "$catalog" "SELECT count(*) FROM (SELECT sha256 FROM files WHERE sha256 IS NOT NULL
    UNION SELECT record_sha256 FROM images UNION SELECT substr(config_digest, 8) FROM images)")
config=$(sqlite3 "$catalog" "SELECT substr(config_digest, 8) FROM images WHERE component_id =
    (SELECT id FROM components WHERE name = 'whiteout-dir')")
[ -f "$store/$config" ] || fail "the image's config blob $config is not in the store"
[ "$referenced" -gt 100 ] || fail "the seeded catalog references only $referenced blobs"
[ "$(sqlite3 "$catalog" 'SELECT count(*) FROM images')" -ge 1 ] || fail "the image import wrote no images row"

# --dry-run lists the orphans and removes nothing.
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog gc --dry-run
expect_contains "$TEST_DIR/out" "unreferenced blobs/sha256/$orphan_a (8 B)"
expect_contains "$TEST_DIR/out" "unreferenced blobs/sha256/$orphan_b (9 B)"
expect_contains "$TEST_DIR/out" "would remove 2 unreferenced blobs (17 B) from $catalog; kept $referenced"
[ -f "$store/$orphan_a" ] && [ -f "$store/$orphan_b" ] || fail "--dry-run removed a blob"

expect_status 0 "$WHITTLE" --catalog "$catalog" catalog gc
expect_contains "$TEST_DIR/out" "removed 2 unreferenced blobs (17 B) from $catalog; kept $referenced"
[ ! -e "$store/$orphan_a" ] && [ ! -e "$store/$orphan_b" ] || fail "gc left an orphan"
[ -f "$store/README" ] || fail "gc removed a file whose name is not a digest"
[ -f "$store/$config" ] || fail "gc removed the image's config blob"
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog show whiteout-dir
[ "$(find "$store" -maxdepth 1 -type f -name '????????????????????????????????????????????????????????????????' | wc -l)" = "$referenced" ] ||
    fail "the store does not hold exactly the referenced blobs after gc"

# Nothing that a row references went: the same image builds again.
expect_status 0 "$WHITTLE" --catalog "$catalog" build "$TEST_DIR/spec.json" -o "oci:$TEST_DIR/after"
[ "$(tail -n 1 "$TEST_DIR/out")" = "$before" ] || fail "the image built after gc differs"
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog gc
expect_contains "$TEST_DIR/out" "removed 0 unreferenced blobs (0 B)"

# A write lock held by another process (as an import holds it) makes gc wait
# and then fail with exit status 2, naming the lock.
python3 - "$catalog" "$TEST_DIR/locked" <<'PYTHON' &
import sqlite3, sys, time, os
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(12)
db.execute("ROLLBACK")
PYTHON
holder=$!
while [ ! -f "$TEST_DIR/locked" ]; do sleep 0.1; done
printf 'orphan c' >"$store/$(printf 'orphan c' | sha256sum | cut -c1-64)"
expect_status 2 "$WHITTLE" --catalog "$catalog" catalog gc
expect_contains "$TEST_DIR/err" "locked by another process"
[ -f "$store/$(printf 'orphan c' | sha256sum | cut -c1-64)" ] || fail "gc removed a blob without the lock"
wait "$holder"

expect_status 2 "$WHITTLE" --catalog "$catalog" catalog gc --force
expect_contains "$TEST_DIR/err" "invalid option"
echo "ok"
