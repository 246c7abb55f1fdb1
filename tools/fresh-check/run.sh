#!/usr/bin/env bash
# make fresh-check: the README's commands on a bare Debian 12 machine, in a podman container.
#   1. podman host settings (tests/containers/podman-setup.sh --conf-only)
#   2. the bare machine: Debian bookworm (minbase) with only the toolchains a new machine of this
#      kind ships (Python 3.11, OpenJDK 17 + Maven, Node.js + npm, gcc/g++/make, git, CA
#      certificates) and nothing of ours; made with mmdebstrap once, kept while its recipe holds.
#      Go is the host's /usr/local/go, mounted read-only (Debian's 1.19 is too old for helm).
#   3. a clean clone of HEAD copied in (the working tree's uncommitted changes are not tested)
#   4. inside, tools/fresh-check/inside.sh: make setup, make dev until a payment is scored, the
#      unit tests and one integration test per real component (tools/fresh-check/smoke-tests)
#   5. the container and the clone removed, also on failure
# Environment: FORCE=1 rebuilds the machine image; KEEP_CONTAINER=1 keeps the stopped container.
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$PWD
started=$(date +%s)
step() { printf '\n=== fresh-check: %s (%ds)\n' "$*" "$(($(date +%s) - started))"; }

step "podman host settings"
bash tests/containers/podman-setup.sh --conf-only
# shellcheck source=tests/containers/rootfs.sh
. tests/containers/rootfs.sh

step "bare Debian 12 machine image"
# What the machine kind ships before the project touches it; the rest is make setup's job.
machine=(python3 openjdk-17-jdk-headless maven nodejs npm gcc g++ make git ca-certificates)
image=localhost/fraud-fresh/bookworm:latest
recipe=$( { cat /dev/null "${host_cas[@]}"; echo "${machine[*]} v2"; } | recipe_of -)
began=$(date +%s)
# Debian as it ships: pip's EXTERNALLY-MANAGED marker stays.
ROOTFS_HOOK=true rootfs "$image" "$recipe" "$ca_hook" "${machine[@]}"
image_s=$(($(date +%s) - began))
echo "$image ($(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1 / 1e6}'), ready in ${image_s} s)"

step "clean clone of HEAD"
head=$(git rev-parse HEAD)
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
  echo "note: uncommitted changes are not part of the check; it tests $head"
work=$(mktemp -d --tmpdir fresh-check.XXXXXX)
name=fraud-fresh-$$-$started
cleanup() {
  local status=$?
  if [ "${KEEP_CONTAINER:-0}" = 1 ]; then
    echo "KEEP_CONTAINER=1: container $name kept (podman rm $name removes it)"
  else
    podman rm --force --time 5 "$name" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
git clone --quiet --no-checkout --no-hardlinks "$root" "$work/repo"
git -C "$work/repo" checkout --quiet --detach "$head"
echo "$(git log -1 --format='%h %s' "$head" | cut -c1-100)"

step "container"
mounts=()
# The host's Go (this machine kind ships it at /usr/local/go); Debian bookworm's is 1.19.
goroot=$( { command -v go >/dev/null && go env GOROOT; } || echo /usr/local/go)
if [ -x "$goroot/bin/go" ]; then mounts+=(--volume "$goroot:/usr/local/go:ro"); fi
# The machine's environment points its tools at the system CA bundle (which trusts the host's
# extra CAs, copied into the image above); nothing else of the host's environment goes in.
envs=(--env CI=1 --env PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
for var in SSL_CERT_FILE REQUESTS_CA_BUNDLE PIP_CERT CURL_CA_BUNDLE NODE_EXTRA_CA_CERTS GIT_SSL_CAINFO; do
  if [ -n "${!var:-}" ] && [ ${#host_cas[@]} -gt 0 ]; then envs+=(--env "$var=${!var}"); fi
done
# Its own network namespace: make dev's fixed ports (8000, 8501, ...) cannot meet the host's.
# A machine's /dev/shm is half its memory; podman's default of 64 MB is not what Chromium meets.
podman create --name "$name" --hostname fresh-machine --workdir /root/fraud-detection \
  --shm-size 1g "${mounts[@]}" "${envs[@]}" "$image" \
  bash tools/fresh-check/inside.sh >/dev/null
podman cp "$work/repo/." "$name:/root/fraud-detection"
echo "$name: $image with the clone at /root/fraud-detection"
podman start --attach "$name"

step "passed"
echo "fresh-check passed in $(($(date +%s) - started)) s (machine image ${image_s} s)"
