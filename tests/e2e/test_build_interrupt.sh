#!/bin/sh
# An interrupted build leaves nothing behind: SIGTERM or SIGINT in the middle
# of writing a large composition ends `whittle build` with exit status 2, no
# image at DEST, no DEST.tmp-* beside it and no generated files in $TMPDIR.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/build_lib.sh"

# About 160 MB of random data, which gzip cannot shrink, so writing one layer
# on one thread takes several seconds.
mkdir -p "$TEST_DIR/big/srv/data" "$TEST_DIR/dest" "$TEST_DIR/tmp"
i=0
while [ $i -lt 40 ]; do
    head -c 4000000 /dev/urandom >"$TEST_DIR/big/srv/data/part-$i"
    i=$((i + 1))
done
catalog="$TEST_DIR/catalog/catalog.db"
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog import "$TEST_DIR/big" --name big --version 1
cat >"$TEST_DIR/spec.json" <<'SPEC'
{
  "components": ["big"],
  "accounts": {"users": [{"name": "app", "uid": 1000, "gid": 1000}], "run-as": "app"},
  "paths": [{"path": "/tmp", "mode": "1777"}],
  "policy": "none"
}
SPEC

# interrupt SIGNAL DESTINATION NAME: starts a build, sends SIGNAL once a
# temporary file appears beside $TEST_DIR/dest/NAME, and checks the cleanup.
interrupt() {
    signal=$1
    destination=$2
    name=$3
    TMPDIR="$TEST_DIR/tmp" "$WHITTLE" --catalog "$catalog" build "$TEST_DIR/spec.json" \
        -o "$destination" --threads 1 >"$TEST_DIR/build.out" 2>"$TEST_DIR/build.err" &
    pid=$!
    waited=0
    until [ -n "$(find "$TEST_DIR/dest" -maxdepth 1 -name "$name.tmp-*" | head -1)" ]; do
        kill -0 "$pid" 2>/dev/null || {
            cat "$TEST_DIR/build.err" >&2
            fail "$destination: the build ended before it started writing"
        }
        waited=$((waited + 1))
        [ $waited -lt 600 ] || fail "$destination: no temporary output after 30 s"
        sleep 0.05
    done
    sleep 0.3
    kill "-$signal" "$pid"
    status=0
    wait "$pid" || status=$?
    [ "$status" = 2 ] || {
        cat "$TEST_DIR/build.err" >&2
        fail "$destination: interrupted build exited with $status, expected 2"
    }
    expect_contains "$TEST_DIR/build.err" "cancelled"
    [ ! -e "$TEST_DIR/dest/$name" ] || fail "$destination: the interrupted build left $TEST_DIR/dest/$name"
    expect_no_leftovers "$TEST_DIR/dest"
    leftovers=$(ls -A "$TEST_DIR/tmp")
    [ -z "$leftovers" ] || fail "$destination: the interrupted build left $leftovers in TMPDIR"
    grep -q '^sha256:' "$TEST_DIR/build.out" && fail "$destination: an interrupted build printed a digest"
    return 0
}

interrupt TERM "oci:$TEST_DIR/dest/oci" oci
interrupt INT "oci-archive:$TEST_DIR/dest/image.tar" image.tar
interrupt TERM "docker-archive:$TEST_DIR/dest/docker.tar" docker.tar
interrupt TERM "rootfs:$TEST_DIR/dest/rootfs" rootfs

# The same build completes when left alone, so the interruptions above hit a working build.
expect_status 0 env TMPDIR="$TEST_DIR/tmp" "$WHITTLE" --catalog "$catalog" build "$TEST_DIR/spec.json" -o "oci:$TEST_DIR/dest/oci"
[ -f "$TEST_DIR/dest/oci/index.json" ] || fail "the uninterrupted build wrote no image"
[ -z "$(ls -A "$TEST_DIR/tmp")" ] || fail "a finished build left files in TMPDIR"
echo "ok"
