# Helpers for the `whittle build` end-to-end tests (tests/e2e/test_build_*.sh),
# sourced after lib.sh.

for program in jq gunzip sha256sum cmp; do
    command -v "$program" >/dev/null || fail "$program is missing; run make deps"
done

# deb_file NAME: prints the path of NAME's cached .deb, downloaded by the seed.
deb_file() {
    set -- "$DEB_CACHE/$1"_*.deb
    [ -f "$1" ] || fail "no cached .deb for $1 in $DEB_CACHE; run the seed first"
    echo "$1"
}

# make_static_app DIR: compiles DIR/app, a static binary that prints
# "hello from a static app" and its arguments.
make_static_app() {
    command -v gcc >/dev/null || fail "gcc is missing; run make deps"
    cat >"$1/app.c" <<'CODE'
#include <stdio.h>
int main(int argc, char **argv)
{
    printf("hello from a static app");
    for (int i = 1; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
    return 0;
}
CODE
    gcc -static -O2 -o "$1/app" "$1/app.c" || fail "gcc -static failed; install the static C library (libc6-dev)"
}

# write_app_spec DIR [POLICY]: writes DIR/spec.json for tini-static running
# DIR/app as a non-root user, with CA certificates, a time zone and a
# writable /tmp. POLICY defaults to a strict profile that allows both.
write_app_spec() {
    policy=${2:-'{"profile": "strict", "allow-executables": ["/usr/bin/tini-static", "/app"]}'}
    make_static_app "$1"
    cat >"$1/spec.json" <<SPEC
{
  "source-date-epoch": 1700000000,
  "components": [
    {"name": "tini", "keep": ["/usr/bin/tini-static"]},
    {"name": "ca-certificates", "keep": ["/usr/share/ca-certificates/**"]},
    {"name": "tzdata", "keep": ["/usr/share/zoneinfo/Europe/**", "/usr/share/zoneinfo/UTC"]}
  ],
  "files": [{"source": "app", "path": "/app", "mode": "0755", "owner": "app"}],
  "accounts": {
    "groups": [{"name": "app", "gid": 65532}],
    "users": [{"name": "app", "uid": 65532, "gid": 65532, "home": "/home/app"}],
    "run-as": "app"
  },
  "paths": [{"path": "/tmp", "mode": "1777"}, {"path": "/home/app", "owner": "app", "mode": "0700"}],
  "config": {
    "entrypoint": ["/usr/bin/tini-static", "--"],
    "cmd": ["/app", "in", "a", "container"],
    "env": {"TZ": "Europe/Paris"},
    "labels": {"org.opencontainers.image.title": "app"},
    "exposed-ports": ["8080/tcp"],
    "stop-signal": "SIGTERM",
    "workdir": "/home/app"
  },
  "policy": $policy
}
SPEC
}

# oci_manifest DIR: prints the path of the only manifest blob of an OCI layout.
oci_manifest() {
    echo "$1/blobs/sha256/$(jq -r '.manifests[0].digest' "$1/index.json" | cut -c8-)"
}

# oci_config DIR: prints the path of the config blob of an OCI layout.
oci_config() {
    echo "$1/blobs/sha256/$(jq -r '.config.digest' "$(oci_manifest "$1")" | cut -c8-)"
}

# expect_no_leftovers DIR: fails when DIR contains temporary files of a build.
expect_no_leftovers() {
    leftovers=$(find "$1" -maxdepth 1 -name '*.tmp-*' | head -5)
    [ -z "$leftovers" ] || fail "temporary files left in $1: $leftovers"
}
