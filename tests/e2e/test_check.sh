#!/bin/sh
# `whittle check` on the seeded demo catalog: strict and baseline profiles,
# exit codes, text, JSON and SARIF output.
. "$(dirname "$0")/lib.sh"

catalog=$(seeded_catalog)
cd "$TEST_DIR"

# busybox-static breaks strict: a multi-call binary that is also a shell.
echo '{"components": ["busybox-static"]}' >busybox.json
expect_status 1 "$WHITTLE" --catalog "$catalog" check --policy strict --format json busybox.json
[ "$(jq -r '.policy' out)" = strict ] || fail "policy name: $(cat out)"
[ "$(jq -r '.passed' out)" = false ] || fail "passed should be false"
for rule in no-multicall no-shell; do
    jq -e --arg rule "$rule" \
        '.findings[] | select(.rule == $rule and .path == "/bin/busybox" and .component == "busybox-static" and .severity == "error")' \
        out >/dev/null || fail "no $rule finding on /bin/busybox: $(cat out)"
done

expect_status 1 "$WHITTLE" --catalog "$catalog" check --policy strict busybox.json
expect_contains out "no-multicall"
expect_contains out "/bin/busybox (busybox-static)"
expect_contains out "policy strict:"

# SARIF 2.1.0 with a result per finding.
expect_status 1 "$WHITTLE" --catalog "$catalog" check --policy strict --format sarif busybox.json
[ "$(jq -r '.version' out)" = 2.1.0 ] || fail "SARIF version: $(head -5 out)"
jq -e '.runs[0].results[] | select(.ruleId == "no-shell") | .locations[0].physicalLocation.artifactLocation.uri == "bin/busybox"' \
    out >/dev/null || fail "SARIF result for no-shell on bin/busybox missing"
jq -e '.runs[0].tool.driver.rules[] | select(.id == "no-multicall")' out >/dev/null ||
    fail "SARIF rules lack no-multicall"

# tini-static alone, the CA bundle and a non-root user pass strict without libc6.
cat >tini.json <<'JSON'
{
  "components": [
    {"name": "tini", "keep": ["/usr/bin/tini-static"]},
    "ca-certificates-bundle"
  ],
  "accounts": {"users": [{"name": "app", "uid": 65532, "gid": 65532}], "run-as": "app"},
  "policy": {"profile": "strict", "allow-executables": ["/usr/bin/tini-static"]}
}
JSON
expect_status 0 "$WHITTLE" --catalog "$catalog" check tini.json
expect_contains out "policy strict: 0 errors"
expect_status 0 "$WHITTLE" --catalog "$catalog" resolve --json tini.json
jq -e '[.components[].name] | index("libc6") == null' out >/dev/null || fail "libc6 is in the tini image"
expect_status 0 "$WHITTLE" --catalog "$catalog" check --format json tini.json
[ "$(jq -r '.passed' out)" = true ] || fail "tini should pass: $(cat out)"

# The default policy is baseline, which wants a non-root user.
echo '{"components": ["caddy"]}' >caddy.json
expect_status 1 "$WHITTLE" --catalog "$catalog" check caddy.json
expect_contains out "non-root-user"
expect_contains out "policy baseline:"
expect_status 0 "$WHITTLE" --catalog "$catalog" check --policy none caddy.json

# A policy file; its errors name the JSON path.
cat >team.json <<'JSON'
{"name": "team", "rules": [{"id": "no-shell", "severity": "warning"}]}
JSON
expect_status 0 "$WHITTLE" --catalog "$catalog" check --policy ./team.json busybox.json
expect_contains out "warning no-shell"
echo '{"name": "bad", "rules": [{"id": "no-such-rule", "severity": "error"}]}' >bad.json
expect_status 2 "$WHITTLE" --catalog "$catalog" check --policy ./bad.json busybox.json
expect_contains err '$.rules[0]: unknown rule id "no-such-rule"'

expect_status 2 "$WHITTLE" --catalog "$catalog" check --format xml busybox.json
expect_status 2 "$WHITTLE" --catalog "$catalog" check missing.json

# A misspelled profile is named as such, not looked up as a file.
expect_status 2 "$WHITTLE" --catalog "$catalog" check --policy stirct busybox.json
expect_contains err "unknown policy 'stirct'"
