#!/bin/sh
# The composer end to end on the seeded demo catalog, in tmux. It searches
# for caddy, reads its impact, adds it and checks that libc6 is pulled in and
# the total grows by that figure. Adding busybox-static must make the strict
# policy fail naming /bin/busybox. Then it undoes, configures, saves the spec
# and exports the image, and `whittle build` must build the saved spec to the
# same digest. Every step runs at 80x24 and 200x50, with NO_COLOR and with
# each shipped theme.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tui_lib.sh"

seeded=$(seeded_catalog)

# scenario NAME COLUMNS ROWS ENVIRONMENT THEME: ENVIRONMENT is one
# VARIABLE=VALUE or "", THEME a theme name or "" for the default.
scenario() {
    name=$1
    columns=$2
    rows=$3
    environment=$4
    theme=$5
    work="$TEST_DIR/$name"
    catalog=$(copy_catalog "$seeded" "$work/catalog")
    if [ -n "$theme" ]; then
        tui_start "$columns" "$rows" $environment -- --catalog "$catalog" compose --theme "$theme"
    else
        tui_start "$columns" "$rows" $environment -- --catalog "$catalog" compose
    fi

    # Opening: the catalog with an empty image.
    tui_wait "1 Catalog"
    tui_wait " 0 components  0 files  0 B "

    # Search for caddy and read the impact figure before pressing anything.
    tui_keys /
    tui_type caddy
    tui_keys Enter
    tui_wait "caddy  Space: add"
    impact_line=$(tui_line "caddy  Space: add")
    impact=$(echo "$impact_line" | sed -n 's/.*Space: add +[0-9]* components* +\([0-9.]* [KMGT]*i*B\).*/\1/p')
    [ -n "$impact" ] || fail "$name: no byte figure in the impact line '$impact_line'"
    echo "$impact_line" | grep -qF "libc6" || fail "$name: impact line does not name libc6: '$impact_line'"

    # Add it: the total grows from 0 B by exactly the impact figure.
    tui_keys Space
    tui_wait "added caddy"
    tui_status | grep -qF " $impact " || fail "$name: status '$(tui_status)' lacks the impact figure $impact"
    tui_expect_screen "[x] caddy"
    tui_expect_screen "*unsaved"

    # libc6 is pulled in, by caddy.
    tui_keys Escape /
    tui_type libc6
    tui_keys Enter
    tui_wait "[+] libc6"
    tui_wait "libc6 (pulled in by caddy)"

    # busybox-static makes the strict policy fail, naming /bin/busybox.
    tui_keys Escape /
    tui_type busybox
    tui_keys Enter
    tui_wait "busybox-static  Space: add"
    tui_keys Space
    tui_wait "added busybox-static"
    tui_status | grep -qF "policy: FAIL" || fail "$name: status '$(tui_status)' shows no policy failure"
    tui_keys 4
    tui_wait "FAIL no-shell"
    tui_wait "/bin/busybox (busybox-static)"

    # Enter on the finding shows the file in the image tree.
    tui_keys /
    tui_type /bin/busybox
    tui_keys Enter
    tui_wait "Enter: show in tree | /bin/busybox: "
    tui_keys Enter
    tui_wait "/bin/busybox  "
    tui_expect_screen "PATH (sorted by name)"

    # Undo takes busybox-static out again.
    tui_keys u
    tui_wait "undid: select busybox-static"
    tui_keys 4
    tui_wait "POLICY strict"
    tui_expect_absent "/bin/busybox (busybox-static)"

    # Settings: a non-root user and the baseline profile, so export is allowed.
    tui_keys C
    tui_wait "Image settings"
    tui_type "/usr/bin/caddy version"
    tui_keys Down Down Down Down
    tui_type app
    tui_keys Down
    tui_type app:1000:1000
    tui_keys Down Down C-u
    tui_type baseline
    tui_keys C-s
    tui_wait "image settings changed"
    tui_wait "POLICY baseline"
    tui_status | grep -qF "policy: pass" || fail "$name: status '$(tui_status)' does not pass baseline"

    # Save the spec.
    spec="$work/caddy.spec.json"
    tui_keys s
    tui_wait "Save the spec to this file:"
    tui_keys C-u
    tui_type "$spec"
    tui_keys Enter
    tui_wait "saved $spec"
    tui_wait_gone "*unsaved"
    [ -f "$spec" ] || fail "$name: the spec was not written to $spec"
    jq -e '.components == ["caddy"]' "$spec" >/dev/null || fail "$name: spec components are not [caddy]"
    jq -e '.accounts["run-as"] == "app"' "$spec" >/dev/null || fail "$name: spec lacks run-as app"
    jq -e '[.lock.components[].name] | index("libc6") != null' "$spec" >/dev/null \
        || fail "$name: spec lock does not record libc6"

    # Export the image.
    tui_keys e
    tui_wait "Destination"
    tui_keys C-u
    tui_type "oci:$work/exported:latest"
    tui_keys Enter
    tui_wait "Export finished" 120
    digest=$(tui_screen | grep -o 'sha256:[0-9a-f]\{64\}' | head -n 1)
    [ -n "$digest" ] || fail "$name: no digest shown after export"
    tui_keys Enter
    tui_wait "exported oci:"
    exported=$(jq -r '.manifests[0].digest' "$work/exported/index.json")
    [ "$exported" = "$digest" ] || fail "$name: the layout holds $exported, the composer showed $digest"

    # The saved spec builds to the same image with the headless command.
    expect_status 0 "$WHITTLE" --catalog "$catalog" build "$spec" -o "oci:$work/built:latest"
    built=$(jq -r '.manifests[0].digest' "$work/built/index.json")
    [ "$built" = "$digest" ] || fail "$name: whittle build made $built, the composer exported $digest"

    # Quit: nothing is unsaved, so no question.
    tui_keys q
    tui_wait "whittle exited 0"

    # Opening the saved spec restores the composition and its settings.
    tui_start "$columns" "$rows" $environment -- --catalog "$catalog" compose "$spec"
    tui_wait "caddy.spec.json"
    tui_wait "[x] caddy"
    if tui_line "1 Catalog" | grep -qF "[+]"; then
        fail "$name: a freshly opened spec is marked as changed: '$(tui_line "1 Catalog")'"
    fi
    tui_status | grep -qF "policy: pass" || fail "$name: reopened spec does not pass: '$(tui_status)'"
    tui_keys C
    tui_wait "/usr/bin/caddy version"
    tui_expect_screen "app:1000:1000"
    tui_keys Escape
    tui_wait_gone "Image settings"
    tui_keys q
    tui_wait "whittle exited 0"
}

scenario small-no-color 80 24 NO_COLOR=1 ""
scenario large-no-color 200 50 NO_COLOR=1 ""
for theme in dark light monochrome; do
    scenario "small-$theme" 80 24 "" "$theme"
    scenario "large-$theme" 200 50 "" "$theme"
done
