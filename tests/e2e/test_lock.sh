#!/bin/sh
# `whittle lock` on the seeded demo catalog: versions and digests written
# into the spec atomically, in canonical form, stable across runs.
. "$(dirname "$0")/lib.sh"

catalog=$(seeded_catalog)
cd "$TEST_DIR"

cat >spec.json <<'JSON'
{"policy": "baseline", "components": [{"name": "tini", "keep": ["/usr/bin/tini-static"]}, "caddy"]}
JSON
expect_status 0 "$WHITTLE" --catalog "$catalog" lock spec.json
expect_contains out "locked 4 components in spec.json"

jq -e '.lock.components | map(.name) == ["caddy", "libc6", "libzstd1", "tini"]' spec.json >/dev/null ||
    fail "lock entries: $(cat spec.json)"
jq -e '.lock.components[] | select(.name == "caddy") | .version == "2.6.2-5"' spec.json >/dev/null ||
    fail "caddy version not locked"
jq -e '.lock.components[] | .content | test("^[0-9a-f]{64}$")' spec.json >/dev/null ||
    fail "content digests are not sha256"
# Canonical key order: components before policy, lock last.
[ "$(jq -r 'keys_unsorted | join(",")' spec.json)" = "components,policy,lock" ] ||
    fail "key order: $(jq -r 'keys_unsorted | join(",")' spec.json)"

# Locking again changes nothing, byte for byte; trimming changes tini's digest.
cp spec.json first.json
expect_status 0 "$WHITTLE" --catalog "$catalog" lock spec.json
cmp -s first.json spec.json || fail "a second lock changed the spec"
tini_digest=$(jq -r '.lock.components[] | select(.name == "tini") | .content' spec.json)
jq '.components[0] = "tini"' spec.json >untrimmed.json
expect_status 0 "$WHITTLE" --catalog "$catalog" lock untrimmed.json
[ "$(jq -r '.lock.components[] | select(.name == "tini") | .content' untrimmed.json)" != "$tini_digest" ] ||
    fail "trimming tini did not change its content digest"
ls | grep -q '\.tmp\.' && fail "a temporary file was left behind: $(ls)"

expect_status 2 "$WHITTLE" --catalog "$catalog" lock missing.json

# check verifies the lock as build does: a fresh lock passes, a component
# added after locking fails with exit 2 naming it.
expect_status 0 "$WHITTLE" --catalog "$catalog" check spec.json --policy none
jq '.components += ["gosu"]' spec.json >stale.json
expect_status 2 "$WHITTLE" --catalog "$catalog" check stale.json --policy none
expect_contains err "gosu"
exit 0
