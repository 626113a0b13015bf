# Helpers for the composer's terminal tests; sourced after lib.sh.
# Each test drives `whittle compose` inside a private tmux server, sends keys
# and polls the screen text, never sleeping a fixed time before a check.

command -v tmux >/dev/null 2>&1 || fail "tmux is missing; install the Debian package tmux"

# One tmux server per session: a new server on a socket whose old server is
# still shutting down fails with "server exited unexpectedly".
TUI_SESSIONS=0
TUI_SOCKET="whittle-test-$$-0"
TUI_TIMEOUT=${TUI_TIMEOUT:-15}
trap 'tmux -L "$TUI_SOCKET" kill-server 2>/dev/null; rm -rf "$TEST_DIR"' EXIT

tmux_() {
    tmux -L "$TUI_SOCKET" "$@"
}

# tui_start COLUMNS ROWS [ENV=VALUE...] -- [WHITTLE ARGS...]: starts the
# composer in a fresh session. When it exits, the pane shows
# "whittle exited N" so tests can check the exit status.
tui_start() {
    columns=$1
    rows=$2
    shift 2
    environment="TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8"
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        environment="$environment $1"
        shift
    done
    [ "${1:-}" = "--" ] && shift
    tmux_ kill-server 2>/dev/null || true
    TUI_SESSIONS=$((TUI_SESSIONS + 1))
    TUI_SOCKET="whittle-test-$$-$TUI_SESSIONS"
    # The shell quoting keeps arguments with spaces intact inside tmux.
    arguments=""
    for argument in "$@"; do
        arguments="$arguments '$argument'"
    done
    tmux_ -f /dev/null new-session -d -x "$columns" -y "$rows" \
        "env -u NO_COLOR $environment '$WHITTLE' $arguments; echo \"whittle exited \$?\"; sleep 600"
}

tui_screen() {
    tmux_ capture-pane -p
}

# tui_wait TEXT [SECONDS]: waits until TEXT appears on the screen, or fails
# with the screen printed.
tui_wait() {
    deadline=$(($(date +%s) + ${2:-$TUI_TIMEOUT}))
    while :; do
        if tui_screen | grep -qF -- "$1"; then
            return 0
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "--- screen:" >&2
            tui_screen >&2
            fail "timed out after ${2:-$TUI_TIMEOUT}s waiting for '$1'"
        fi
        sleep 0.1
    done
}

# tui_wait_gone TEXT: waits until TEXT is no longer on the screen.
tui_wait_gone() {
    deadline=$(($(date +%s) + TUI_TIMEOUT))
    while tui_screen | grep -qF -- "$1"; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "--- screen:" >&2
            tui_screen >&2
            fail "timed out waiting for '$1' to go away"
        fi
        sleep 0.1
    done
}

# tui_keys KEY...: sends tmux key names ("Enter", "Escape", "C-r") or text.
tui_keys() {
    tmux_ send-keys "$@"
}

# tui_type TEXT: sends TEXT literally.
tui_type() {
    tmux_ send-keys -l -- "$1"
}

# tui_line PATTERN: prints the first screen line matching the grep pattern.
tui_line() {
    tui_screen | grep -m1 -- "$1" || true
}

# tui_status: prints the status line (the last line of the screen).
tui_status() {
    tui_screen | sed '/^$/d' | tail -n 1
}

# tui_expect_screen TEXT: fails unless TEXT is on the screen now.
tui_expect_screen() {
    tui_screen | grep -qF -- "$1" || {
        echo "--- screen:" >&2
        tui_screen >&2
        fail "expected '$1' on the screen"
    }
}

# tui_expect_absent TEXT: fails when TEXT is on the screen now.
tui_expect_absent() {
    if tui_screen | grep -qF -- "$1"; then
        echo "--- screen:" >&2
        tui_screen >&2
        fail "did not expect '$1' on the screen"
    fi
}

# tui_click COLUMN ROW: sends a left-button press and release at a screen
# cell (from 0), in the X10 mouse encoding that curses reads as a click.
tui_click() {
    x=$(printf "\\$(printf %o $(($1 + 33)))")
    y=$(printf "\\$(printf %o $(($2 + 33)))")
    tmux_ send-keys -l "$(printf '\033[M ')$x$y$(printf '\033[M#')$x$y"
}
