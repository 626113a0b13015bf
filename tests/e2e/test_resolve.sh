#!/bin/sh
# `whittle resolve` and `whittle why` on the seeded demo catalog: reasons,
# totals, the impact of a toggle, JSON output and errors.
. "$(dirname "$0")/lib.sh"

catalog=$(seeded_catalog)
cd "$TEST_DIR"

echo '{"components": ["caddy"]}' >caddy.json
echo '{"components": ["caddy", "curl"]}' >caddy-curl.json

# caddy pulls libc6 in through /usr/bin/caddy's DT_NEEDED libc.so.6.
expect_status 0 "$WHITTLE" --catalog "$catalog" resolve caddy.json
expect_contains "$TEST_DIR/out" "required by caddy: /usr/bin/caddy needs soname libc.so.6"
grep -q '^libc6 ' "$TEST_DIR/out" || fail "libc6 is not in the closure"

expect_status 0 "$WHITTLE" --catalog "$catalog" resolve --json caddy.json
reason=$(jq -r '.components[] | select(.name == "libc6") | .reason | "\(.kind) \(.by) \(.file) \(.needs)"' out)
[ "$reason" = "required caddy /usr/bin/caddy libc.so.6" ] || fail "libc6 reason: $reason"
bytes_before=$(jq '.totals.bytes' out)

# The impact of toggling curl equals the change that selecting it makes.
expect_status 0 "$WHITTLE" --catalog "$catalog" resolve --json --toggle curl caddy.json
[ "$(jq -r '.action' out)" = select ] || fail "toggle action: $(cat out)"
impact=$(jq '.bytes' out)
jq -e '.added | index("libcurl4")' out >/dev/null || fail "libcurl4 not in the added list"
expect_status 0 "$WHITTLE" --catalog "$catalog" resolve --json caddy-curl.json
bytes_after=$(jq '.totals.bytes' out)
[ "$((bytes_after - bytes_before))" = "$impact" ] ||
    fail "toggle impact $impact, but selecting curl changed bytes by $((bytes_after - bytes_before))"

# Removing libc6 would take caddy and curl with it.
expect_status 0 "$WHITTLE" --catalog "$catalog" resolve --toggle libc6 caddy-curl.json
expect_contains out "toggling libc6 would remove it"
expect_contains out "needed by:"

# why: the chain from curl to libssl3.
expect_status 0 "$WHITTLE" --catalog "$catalog" why caddy-curl.json libssl3
expect_contains out "libssl3 is in the image:"
expect_contains out "curl: selected"
expect_contains out "-> libcurl4: required by curl: /usr/bin/curl needs soname libcurl.so.4"
expect_status 1 "$WHITTLE" --catalog "$catalog" why caddy.json curl
expect_contains out "curl is not in the image"

# Excluded documentation no longer counts.
cat >trimmed.json <<'JSON'
{"components": ["caddy"], "exclude-paths": ["/usr/share/doc/**", "/usr/share/man/**"]}
JSON
expect_status 0 "$WHITTLE" --catalog "$catalog" resolve --json trimmed.json
trimmed=$(jq '.totals.bytes' out)
[ "$trimmed" -lt "$bytes_before" ] || fail "excluding docs did not shrink $bytes_before (got $trimmed)"

# Errors: an unknown component names its JSON path; bad usage exits 2.
echo '{"components": ["caddy", "no-such-thing"]}' >unknown.json
expect_status 2 "$WHITTLE" --catalog "$catalog" resolve unknown.json
expect_contains err "\$.components[1]: unknown component 'no-such-thing'"
echo '{"components": "caddy"}' >wrong.json
expect_status 2 "$WHITTLE" --catalog "$catalog" resolve wrong.json
expect_contains err '$.components: expected an array (value: "caddy")'
expect_status 2 "$WHITTLE" --catalog "$catalog" resolve
expect_status 2 "$WHITTLE" --catalog "$catalog" resolve --toggle no-such-thing caddy.json
expect_status 0 "$WHITTLE" resolve --help
expect_contains out "Usage: whittle resolve SPEC"

# A local file is classified like a catalog file: a dynamic binary pulls libc6 in.
cp /bin/true app || cp /usr/bin/true app
cat >local.json <<'JSON'
{"files": [{"source": "app", "path": "/usr/local/bin/app", "mode": "0755"}]}
JSON
expect_status 0 "$WHITTLE" --catalog "$catalog" why local.json libc6
expect_contains out "-> libc6: required by local-files: /usr/local/bin/app needs soname libc.so.6"
echo '{"files": [{"source": "missing-app", "path": "/app"}]}' >missing.json
expect_status 2 "$WHITTLE" --catalog "$catalog" resolve missing.json
expect_contains err "missing.json: \$.files[0].source:"

# A component built for another architecture than the spec's platform is
# rejected, so no image carries a platform label its binaries contradict.
echo '{"components": ["caddy"], "platform": "linux/arm64"}' >arm64.json
expect_status 2 "$WHITTLE" --catalog "$catalog" resolve arm64.json
expect_contains err "component caddy"
expect_contains err "is built for amd64, which does not run on the platform linux/arm64"
echo '{"components": ["caddy"], "platform": "linux/amd64"}' >amd64.json
expect_status 0 "$WHITTLE" --catalog "$catalog" resolve amd64.json
# Architecture-independent data needs no particular platform.
echo '{"components": ["tzdata"], "platform": "linux/arm64"}' >data.json
expect_status 0 "$WHITTLE" --catalog "$catalog" resolve data.json

# A keep glob that matches nothing, and a base that is not a base image,
# are errors naming the JSON path.
echo '{"components": [{"name": "caddy", "keep": ["/usr/bin/caddyy"]}]}' >keep.json
expect_status 2 "$WHITTLE" --catalog "$catalog" resolve keep.json
expect_contains err "\$.components[0].keep[0]: '/usr/bin/caddyy' matches no file of caddy"
echo '{"base": "caddy"}' >base.json
expect_status 2 "$WHITTLE" --catalog "$catalog" resolve base.json
expect_contains err "\$.base: component 'caddy' is of kind utility, not a base image"
