#!/bin/sh
# The composer's start, help, themes, drawing and editing keys, in tmux on a
# copy of the seeded demo catalog.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"

# ---- Without a terminal, and bad options ------------------------------------

expect_status 2 "$WHITTLE" compose </dev/null
expect_contains "$TEST_DIR/err" "the composer needs a terminal"

expect_status 0 "$WHITTLE" compose --help
expect_contains "$TEST_DIR/out" "Usage: whittle compose"
expect_contains "$TEST_DIR/out" "--theme NAME"

expect_status 2 "$WHITTLE" compose --theme nope
expect_contains "$TEST_DIR/err" "theme 'nope' not found"

printf 'normal = red\n' >"$TEST_DIR/broken.theme"
expect_status 2 "$WHITTLE" compose --theme "$TEST_DIR/broken.theme"
expect_contains "$TEST_DIR/err" "broken.theme:1: role 'normal' needs a foreground and a background colour"

expect_status 2 "$WHITTLE" compose one.json two.json
expect_contains "$TEST_DIR/err" "unexpected argument 'two.json'"

# ---- An empty catalog offers the demo seed; declining quits ----------------

tui_start 80 24 -- --catalog "$TEST_DIR/empty/catalog.db"
tui_wait "Seed it now?"
tui_expect_screen "The catalog has no components yet"
tui_keys n
tui_wait "whittle exited 0"

# ---- On the seeded catalog ---------------------------------------------------

catalog=$(copy_catalog "$(seeded_catalog)" "$TEST_DIR/seeded")

# Accepting the offer seeds with a progress bar, from the .deb files that
# seeded_catalog left in the shared cache, and then opens the catalog.
mkdir -p "$TEST_DIR/cache/whittle"
ln -s "$DEB_CACHE" "$TEST_DIR/cache/whittle/debs"
tui_start 80 24 XDG_CACHE_HOME="$TEST_DIR/cache" -- --catalog "$TEST_DIR/fresh/catalog.db"
tui_wait "Seed it now?"
tui_keys y
tui_wait "Seeding the demo catalog"
tui_wait " 0 components  0 files  0 B " 300
tui_expect_screen "busybox-static"
tui_keys q
tui_wait "whittle exited 0"

# Help is generated from the key map.
tui_start 80 24 -- --catalog "$catalog"
tui_wait "0 components"
tui_keys ?
tui_wait "whittle: keys"
tui_expect_screen "Everywhere"
tui_expect_screen "Ctrl-R"
tui_expect_screen "redo the change undone last"
tui_keys PageDown
tui_wait "Image tree"
tui_keys q
tui_wait "1 Catalog"
tui_expect_absent "whittle: keys"

# Mouse: a click on a row selects it, a click on its state column toggles it,
# and a click on a tab switches views. Row 5 is the fourth component, caddy.
tui_click 30 5
tui_wait "caddy  Space: add"
tui_click 1 5
tui_wait "added caddy"
tui_click 45 0
tui_wait "POLICY strict"
tui_click 12 0
tui_wait "NAME"
tui_click 1 5
tui_wait "removed caddy"

# Kind filter, then clearing it.
tui_keys f f
tui_wait "showing library"
tui_expect_screen "libc6"
tui_expect_absent "busybox-static"
tui_keys c
tui_wait "busybox-static"

# Details of caddy list what it requires.
tui_keys /
tui_type caddy
tui_keys Enter Enter
tui_wait "Requires (from its files)"
tui_expect_screen "libc6"
tui_expect_screen "License:"

# Export is blocked while the strict policy fails, before any dialog opens.
tui_keys e
tui_wait "export blocked: "
tui_expect_absent "Destination"

# Adding caddy, then removing libc6, opens a confirmation because caddy needs it.
tui_keys Space
tui_wait "added caddy"
tui_keys 1 Escape /
tui_type libc6
tui_keys Enter Space
tui_wait "Others need it"
tui_expect_screen "libc6 is needed by:"
tui_expect_screen "caddy"
tui_keys n
tui_wait "kept libc6"
tui_expect_screen "[+] libc6"
tui_keys Space
tui_wait "Remove them too?"
tui_keys y
tui_wait "removed libc6"
tui_wait " 0 components  0 files  0 B "

# Undo brings both back; redo removes them again.
tui_keys u
tui_wait "undid: remove libc6"
tui_wait "[+] libc6"
tui_keys C-r
tui_wait "redid: remove libc6"
tui_wait " 0 components  0 files  0 B "
tui_keys u
tui_wait "[+] libc6"

# The image tree: UTF-8 branches, expanding, sorting and excluding a path.
tui_keys 3
tui_wait "PATH (sorted by name)"
tui_expect_screen "├─"
tui_keys /
tui_type usr
tui_keys Enter Enter
tui_wait "  ├─▸ bin"
tui_keys o
tui_wait "PATH (sorted by size)"
tui_keys x
tui_wait "exclude /usr/**"
tui_wait "(excluded)"
tui_keys x
tui_wait "include /usr/**"

# Searching the tree finds entries inside collapsed folders and opens them.
tui_keys /
tui_type ld-linux
tui_keys Enter
tui_wait "ld-linux-x86-64.so.2  "

# An invalid setting is rejected when the form is applied, naming the field.
tui_keys C
tui_wait "Image settings"
tui_keys Down Down Down Down Down Down Down C-u
tui_type baselinestrict
tui_keys C-s
tui_wait "settings not applied"
tui_expect_screen "policy"

# A resize redraws at the new size.
tmux_ resize-window -x 120 -y 40
tui_wait "COMPONENT                    FLAGS"
tmux_ resize-window -x 80 -y 24
tui_wait "COMPONENT        FLAGS"

# Quitting with unsaved changes needs two confirmations before losing them.
tui_keys q
tui_wait "Save them first?"
tui_keys n
tui_wait "Quit without saving?"
tui_keys n
tui_wait_gone "Quit without saving?"
tui_keys q
tui_wait "Save them first?"
tui_keys n
tui_wait "Quit without saving?"
tui_keys y
tui_wait "whittle exited 0"

# ---- ASCII drawing: asked for, or because the locale is not UTF-8 ---------

for how in option locale; do
    if [ "$how" = option ]; then
        tui_start 80 24 -- --catalog "$catalog" compose --ascii
    else
        tui_start 80 24 LANG=C LC_ALL=C -- --catalog "$catalog"
    fi
    tui_wait "0 components"
    tui_keys /
    tui_type tini
    tui_keys Enter Space 3
    tui_wait "PATH (sorted by name)"
    tui_wait "|-"
    tui_expect_absent "├"
    tui_keys Home x
    tui_wait "exclude /"
    tui_keys u
    tui_wait "undid: exclude /"
    tui_keys q
    tui_wait "Save them first?"
    tui_keys n y
    tui_wait "whittle exited 0"
done

# ---- Reviewing an image read-only -------------------------------------------

# An image built from the demo catalog, opened without the catalog.
printf '{"components": ["tini"], "policy": "none"}\n' >"$TEST_DIR/tini.spec.json"
expect_status 0 "$WHITTLE" --catalog "$catalog" build "$TEST_DIR/tini.spec.json" \
    -o "oci:$TEST_DIR/tini-image:latest"
mkdir -p "$TEST_DIR/review-tmp"
tui_start 80 24 TMPDIR="$TEST_DIR/review-tmp" -- compose --image "oci:$TEST_DIR/tini-image:latest"
tui_wait "(read-only)"
tui_wait "[b] tini-image"
tui_keys Space
tui_wait "read-only: an image under review cannot be changed"
tui_keys 3
tui_wait "usr"
tui_keys x
tui_wait "read-only: an image under review cannot be changed"
tui_keys q
tui_wait "whittle exited 0"
[ -z "$(ls -A "$TEST_DIR/review-tmp")" ] || fail "the review left files in TMPDIR: $(ls "$TEST_DIR/review-tmp")"

# A missing image fails before the screen is taken over, with the error readable.
tui_start 80 24 -- compose --image "oci:$TEST_DIR/nonexistent:latest"
tui_wait "whittle exited 2"
tui_expect_screen "nonexistent"

expect_status 2 "$WHITTLE" compose spec.json --image "oci:$TEST_DIR/tini-image:latest"
expect_contains "$TEST_DIR/err" "give either a SPEC or --image, not both"

# ---- Saving keeps the keys of an opened spec that the composer does not edit

cat >"$TEST_DIR/rich.spec.json" <<'SPEC'
{
  "source-date-epoch": 1700000000,
  "components": [{"name": "tini", "exclude-paths": ["/usr/share/doc/**"]}],
  "config": {"labels": {"org.example.team": "platform"}, "cmd": ["--version"]},
  "policy": {"profile": "none", "size-budget": 900000000}
}
SPEC
tui_start 80 24 -- --catalog "$catalog" compose "$TEST_DIR/rich.spec.json"
tui_wait "[x] tini"
tui_wait "policy: pass"
tui_keys /
tui_type gosu
tui_keys Enter Space
tui_wait "added gosu"
tui_keys s Enter
tui_wait "saved $TEST_DIR/rich.spec.json"
tui_keys q
tui_wait "whittle exited 0"
spec="$TEST_DIR/rich.spec.json"
jq -e '."source-date-epoch" == 1700000000' "$spec" >/dev/null || fail "source-date-epoch was lost"
jq -e '.components | map(if type == "object" then .name else . end) == ["gosu", "tini"]' "$spec" >/dev/null \
    || fail "components are not [gosu, tini]: $(jq -c .components "$spec")"
jq -e '.components[] | select(type == "object") | ."exclude-paths" == ["/usr/share/doc/**"]' "$spec" >/dev/null \
    || fail "the trimming of tini was lost: $(jq -c .components "$spec")"
jq -e '.config.labels."org.example.team" == "platform"' "$spec" >/dev/null || fail "config.labels was lost"
jq -e '.config.cmd == ["--version"]' "$spec" >/dev/null || fail "config.cmd changed: $(jq -c .config "$spec")"
jq -e '.policy.profile == "none" and .policy."size-budget" == 900000000' "$spec" >/dev/null \
    || fail "the policy object changed: $(jq -c .policy "$spec")"
