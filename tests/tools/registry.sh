#!/bin/sh
# Starts and stops Debian's docker-registry for tests, on 127.0.0.1 and a
# free port, with its storage in a folder the caller owns.
#
#   registry.sh start DIR [USER PASSWORD]   prints the port; with USER and
#                                           PASSWORD, requires htpasswd auth
#   registry.sh stop DIR                    stops the registry started in DIR
#
# DIR receives config.yml, the storage, registry.log, pid and port.
set -eu

command=${1:?usage: registry.sh start|stop DIR [USER PASSWORD]}
dir=${2:?usage: registry.sh start|stop DIR [USER PASSWORD]}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

start() {
    mkdir -p "$dir/storage"
    port=$(free_port)
    cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: whittle-test-secret
EOF
    if [ $# -ge 2 ]; then
        htpasswd -Bbn "$1" "$2" >"$dir/htpasswd" 2>/dev/null
        cat >>"$dir/config.yml" <<EOF
auth:
  htpasswd:
    realm: whittle-test
    path: $dir/htpasswd
EOF
    fi

    docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
    echo $! >"$dir/pid"
    echo "$port" >"$dir/port"

    # Ready when /v2/ responds, with 200, or with 401 under auth.
    tries=0
    until curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; do
        tries=$((tries + 1))
        if [ "$tries" -gt 100 ] || ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
            echo "docker-registry did not start; its log:" >&2
            cat "$dir/registry.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "$port"
}

stop() {
    [ -f "$dir/pid" ] || return 0
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    rm -f "$dir/pid"
}

case "$command" in
start) shift 2; start "$@" ;;
stop) stop ;;
*) echo "usage: registry.sh start|stop DIR [USER PASSWORD]" >&2; exit 2 ;;
esac
