#!/usr/bin/env bash
# Prepare a Docker-less Debian host to build and run the images with podman (idempotent).
# Usage: podman-setup.sh [--tools-only | --conf-only]
#   (make up uses --tools-only: it never edits /etc; make fresh-check --conf-only: no tools venv)
#  - /etc/containers/containers.conf: runc + cgroupfs and rlimits within the host's hard limits
#    (crun rejects a mixed cgroup v1/v2 host; podman's default rlimits exceed ours). Written only
#    when absent, so an administrator's own file is respected.
#  - a pinned tools venv (podman-compose, hadolint) at $TOOLS_VENV, rebuilt when the pins change.
# System packages (podman buildah mmdebstrap runc netavark iptables ...) are installed by
# make setup (tools/setup/system-packages.sh), not here.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TOOLS_VENV=${TOOLS_VENV:-$(cd "$here/../.." && pwd)/.tools/compose}
PYTHON=${PYTHON:-python3.11}

if [ "${1:-}" != --tools-only ]; then
  for tool in podman buildah mmdebstrap runc; do
    command -v "$tool" >/dev/null || {
      echo "$tool is missing: make setup installs it (tools/setup/system-packages.sh)" >&2
      exit 1
    }
  done
fi

conf=/etc/containers/containers.conf
if [ "${1:-}" != --tools-only ] && [ ! -e "$conf" ]; then
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
  mkdir -p /etc/containers
  cat >"$conf" <<CONF
# Written by tests/containers/podman-setup.sh for a host without systemd and with a mixed cgroup
# layout: runc + cgroupfs, rlimits within the host's hard limits, and netavark (with
# aardvark-dns) so that compose service names resolve between containers.
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_backend = "netavark"
CONF
  echo "wrote $conf"
fi

[ "${1:-}" = --conf-only ] && exit 0

requirements=$here/requirements-tools.txt
stamp=$TOOLS_VENV/.requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$TOOLS_VENV/bin/podman-compose" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$PYTHON" -m venv --clear "$TOOLS_VENV"
  "$TOOLS_VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    --require-hashes -r "$requirements"
  echo "$want" >"$stamp"
  echo "tools installed in $TOOLS_VENV"
fi
