#!/bin/sh
# Like the official redis image: started without a config file, Redis accepts connections from
# other containers (the official build turns protected mode off by default; Debian's does not).
set -eu
if [ "${1:-}" = redis-server ] && [ "${2:-}" = "${2#/}" ]; then
  exec "$@" --protected-mode no
fi
exec "$@"
