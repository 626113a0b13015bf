#!/bin/sh
# Installs the Debian packages named as arguments when any is missing.
# As root it runs apt-get; otherwise it prints the command and fails.
set -eu

missing=""
for package in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $package" ;;
    esac
done

# apt-get download (used by `whittle catalog seed`) needs package lists.
lists_empty=0
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
    lists_empty=1
fi

if [ -z "$missing" ] && [ "$lists_empty" = 0 ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    if [ -n "$missing" ]; then
        echo "whittle: missing Debian packages:$missing" >&2
        echo "Install them as root with:" >&2
        echo "  apt-get update && apt-get install -y$missing" >&2
    else
        echo "whittle: apt package lists are empty; run 'apt-get update' as root." >&2
    fi
    exit 2
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ -n "$missing" ]; then
    echo "Installing:$missing"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
