#!/bin/sh
# `make run`: seeds the demo catalog when it is empty, then opens whittle on it.
set -eu

whittle=$1
"$whittle" catalog seed --if-empty
exec "$whittle"
