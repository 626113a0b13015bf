#!/bin/sh
# `whittle build --sbom`: a valid SPDX 2.3 JSON document listing every
# component with version, license, origin digest and the files it
# contributes, the same bytes on every build of the same spec.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/build_lib.sh"

catalog=$(seeded_catalog)
mkdir -p "$TEST_DIR/spec" "$TEST_DIR/elsewhere"
write_app_spec "$TEST_DIR/spec"
spec="$TEST_DIR/spec/spec.json"

expect_status 0 "$WHITTLE" --catalog "$catalog" build "$spec" -o "rootfs:$TEST_DIR/rootfs" --sbom "$TEST_DIR/sbom.json"
digest=$(tail -n 1 "$TEST_DIR/out")
sbom="$TEST_DIR/sbom.json"

# --- the fields SPDX 2.3 requires ---
for check in '.spdxVersion == "SPDX-2.3"' \
    '.dataLicense == "CC0-1.0"' \
    '.SPDXID == "SPDXRef-DOCUMENT"' \
    '.name == "spec"' \
    '.documentNamespace | test("^https?://.+")' \
    '.creationInfo.created == "2023-11-14T22:13:20Z"' \
    '.creationInfo.creators | length > 0 and all(test("^(Tool|Organization|Person): "))' \
    '.packages | length > 0 and all(.SPDXID and .name and .downloadLocation and has("filesAnalyzed"))' \
    '.files | length > 0 and all(.SPDXID and .fileName and (.checksums | map(.algorithm) | index("SHA1")))' \
    '[.packages[].SPDXID, .files[].SPDXID] | length == (unique | length)' \
    '[.relationships[] | select(.relationshipType == "DESCRIBES" and .spdxElementId == "SPDXRef-DOCUMENT")] | length == 1' \
    '.relationships | all(.spdxElementId and .relationshipType and .relatedSpdxElement)'; do
    jq -e "$check" "$sbom" >/dev/null || fail "SBOM check failed: $check"
done
jq -e --arg digest "$digest" '.packages[] | select(.primaryPackagePurpose == "CONTAINER") | .versionInfo == $digest' "$sbom" >/dev/null ||
    fail "the image package does not carry the manifest digest $digest"

# --- every resolved component, with the catalog's version and origin digest ---
expect_status 0 "$WHITTLE" --catalog "$catalog" resolve "$spec" --json
jq -r '.components[].name' "$TEST_DIR/out" | sort >"$TEST_DIR/resolved.txt"
jq -r '.packages[] | select(.primaryPackagePurpose != "CONTAINER") | .name' "$sbom" | sort >"$TEST_DIR/listed.txt"
cmp -s "$TEST_DIR/resolved.txt" "$TEST_DIR/listed.txt" || {
    diff "$TEST_DIR/resolved.txt" "$TEST_DIR/listed.txt" >&2 || true
    fail "the SBOM lists other components than whittle resolve"
}
expect_status 0 "$WHITTLE" --catalog "$catalog" catalog show tini --json
version=$(jq -r '.version' "$TEST_DIR/out")
origin=$(jq -r '.origin.sha256' "$TEST_DIR/out")
jq -e --arg version "$version" --arg origin "$origin" \
    '.packages[] | select(.name == "tini") | .versionInfo == $version and .licenseDeclared == "MIT" and (.checksums[0].checksumValue == $origin)' \
    "$sbom" >/dev/null || fail "tini's package lacks version $version, license MIT (Expat) or origin $origin"
jq -e '.packages[] | select(.name == "ca-certificates") | .licenseDeclared == "GPL-2.0-or-later"' "$sbom" >/dev/null ||
    fail "ca-certificates' Debian license GPL-2+ is not written as GPL-2.0-or-later"

# --- files: the contents of the image, with their sha256 ---
for path in usr/bin/tini-static app; do
    actual=$(sha256sum "$TEST_DIR/rootfs/$path" | cut -d' ' -f1)
    jq -e --arg name "./$path" --arg sha "$actual" \
        '.files[] | select(.fileName == $name) | .checksums[] | select(.algorithm == "SHA256") | .checksumValue == $sha' \
        "$sbom" >/dev/null || fail "/$path is missing from the SBOM or has another sha256 than $actual"
done
tini_id=$(jq -r '.packages[] | select(.name == "tini") | .SPDXID' "$sbom")
file_id=$(jq -r '.files[] | select(.fileName == "./usr/bin/tini-static") | .SPDXID' "$sbom")
jq -e --arg package "$tini_id" --arg file "$file_id" \
    '[.relationships[] | select(.spdxElementId == $package and .relationshipType == "CONTAINS" and .relatedSpdxElement == $file)] | length == 1' \
    "$sbom" >/dev/null || fail "no relationship says tini CONTAINS /usr/bin/tini-static"
[ "$(jq '.files | length' "$sbom")" = "$(find "$TEST_DIR/rootfs" -type f ! -path '*/etc/passwd' ! -path '*/etc/group' | wc -l)" ] ||
    fail "the SBOM lists another number of files than the image's regular component files"

# --- deterministic: another destination, directory and umask give the same bytes ---
(cd "$TEST_DIR/elsewhere" && umask 077 && TZ=Asia/Kolkata "$WHITTLE" --catalog "$catalog" build "$spec" \
    -o "oci:$TEST_DIR/oci" --sbom sbom.json --threads 1 >/dev/null 2>&1) || fail "the second build failed"
cmp -s "$sbom" "$TEST_DIR/elsewhere/sbom.json" || fail "the SBOMs of two builds of the same spec differ"
[ "$(stat -c %a "$TEST_DIR/elsewhere/sbom.json")" = 644 ] || fail "the SBOM is not mode 0644 under umask 077"
echo "ok"
