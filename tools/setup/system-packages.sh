#!/usr/bin/env bash
# The system packages and toolchains the project needs, in one place (make setup runs this, and
# .ci/run runs make setup). On Debian it installs what is missing with apt-get, as root or through
# sudo, or else stops with the exact command to run; then it checks the toolchain versions.
# Quick and silent but for one line when everything is there.
# Environment: PYTHON (python3.11); CI=1 makes a missing or old Go an error (make k8s-check needs
# it), elsewhere a warning; FRAUD_SKIP_SYSTEM_PACKAGES=1 reports what is missing and goes on.
set -euo pipefail

PYTHON=${PYTHON:-python3.11}
MIN_JAVA=17 MIN_NODE=18 MIN_GO=1.24 MIN_MAVEN=3.6

# Debian package, what shows it is there (a command on PATH or an absolute path), and why.
# Packages are installed without their recommends, so whatever a tool needs at run time is listed.
PACKAGES="
redis-server             redis-server                       Redis for the tests and make dev
maven                    mvn                                resolves the Kafka broker jars
prometheus               promtool                           rule tests, metric lint, a real server
chromium                 chromium                           the dashboard's browser tests
curl                     curl                               the dashboard's stream test
postgresql-15            /usr/lib/postgresql/15/bin/initdb  a real PostgreSQL for the tests
podman                   podman                             containers-check, fresh-check
buildah                  buildah                            containers-check
mmdebstrap               mmdebstrap                         base images from Debian packages
runc                     runc                               podman's runtime on this host
netavark                 /usr/lib/podman/netavark           container networks (not the CNI plugins)
aardvark-dns             /usr/lib/podman/aardvark-dns       service names between containers
iptables                 /usr/sbin/iptables                 netavark's NAT and port rules; kube-proxy
containerd               containerd                         make k8s-e2e: the node's container runtime
containernetworking-plugins /usr/lib/cni/bridge             make k8s-e2e: pod network (bridge, host-local)
gcc                      gcc                                make kernel (compiled features); make k8s-e2e's pause binary
libc6-dev                /usr/include/stdio.h               libc headers for both
"

present() { if [[ $1 == /* ]]; then [ -e "$1" ]; else command -v "$1" >/dev/null; fi; }

# version_at_least HAVE WANT: dotted versions compared field by field.
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]; }

missing=()
while read -r package check _; do
  if [ -n "$package" ] && ! present "$check"; then missing+=("$package"); fi
done <<<"$PACKAGES"
# Toolchains: installed from Debian only when absent; a present one is checked below instead.
present java || missing+=(openjdk-17-jre-headless)
present node || missing+=(nodejs)
present npm || missing+=(npm)
if ! present "$PYTHON"; then
  missing+=(python3.11 python3.11-venv python3.11-dev)
else
  if ! "$PYTHON" -c 'import ensurepip' 2>/dev/null; then
    missing+=(python3.11-venv) # Debian's python3.11 makes no venv with pip without it
  fi
  # make kernel compiles the feature code against the interpreter's headers
  if ! "$PYTHON" -c 'import os, sys, sysconfig
sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
    missing+=(python3.11-dev)
  fi
fi

install() {
  local as=() log
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
      as=(sudo)
    else
      echo "missing system packages: $*" >&2
      echo "install them as root, then run make setup again:" >&2
      echo "  apt-get update && apt-get install -y --no-install-recommends $*" >&2
      exit 1
    fi
  fi
  echo "installing system packages: $*${as[*]:+ (through sudo)}"
  log=$(mktemp --tmpdir apt.XXXXXX.log)
  if ! { "${as[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    "${as[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends "$@"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "apt-get failed (log: $log)" >&2
    exit 1
  fi
  rm -f "$log"
  echo "installed in $SECONDS s"
}

if [ ${#missing[@]} -gt 0 ]; then
  if [ "${FRAUD_SKIP_SYSTEM_PACKAGES:-0}" = 1 ]; then
    echo "WARNING: missing system packages (FRAUD_SKIP_SYSTEM_PACKAGES=1): ${missing[*]}" >&2
  elif ! command -v apt-get >/dev/null; then
    echo "not a Debian machine: install the equivalents of these Debian packages: ${missing[*]}" >&2
    exit 1
  else
    install "${missing[@]}"
  fi
fi

fail() { echo "$*" >&2; [ "${FRAUD_SKIP_SYSTEM_PACKAGES:-0}" = 1 ] || exit 1; }
first_version() { grep -oE '[0-9]+(\.[0-9]+)+' | head -n 1; }

python_version=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) ||
  fail "$PYTHON is needed (Python 3.11)"
[[ ${python_version:-} == 3.11.* ]] || fail "$PYTHON is Python ${python_version:-?}, not 3.11"

java_version=$(java -version 2>&1 | grep -oE 'version "[^"]+"' | grep -oE '[0-9][0-9.]*' | head -n 1) || true
java_major=${java_version%%.*}
if [ "$java_major" = 1 ]; then java_major=$(echo "$java_version" | cut -d. -f2); fi # 1.8 is 8
[ "${java_major:-0}" -ge "$MIN_JAVA" ] 2>/dev/null ||
  fail "the Kafka broker needs Java $MIN_JAVA+; java on PATH is ${java_version:-missing}" \
    "(apt-get install openjdk-17-jre-headless, then put it first: update-alternatives --config java)"

maven_version=$(mvn --version 2>/dev/null | first_version) || true
version_at_least "${maven_version:-0}" "$MIN_MAVEN" || fail "Maven $MIN_MAVEN+ is needed; found ${maven_version:-none}"

node_version=$(node --version 2>/dev/null | first_version) || true
version_at_least "${node_version:-0}" "$MIN_NODE" ||
  fail "the dashboard's asset build needs Node.js $MIN_NODE+; found ${node_version:-none}"
npm_version=$(npm --version 2>/dev/null | first_version) || fail "npm is needed (Debian package npm)"

# Go builds helm and kustomize for make k8s-check only; this machine kind ships it at /usr/local/go.
go=$(command -v go || echo /usr/local/go/bin/go)
go_version=$("$go" version 2>/dev/null | grep -oE 'go[0-9]+(\.[0-9]+)+' | head -n 1 | cut -c3-) || true
if ! version_at_least "${go_version:-0}" "$MIN_GO"; then
  message="make k8s-check needs Go >= $MIN_GO to build helm; found ${go_version:-none} (Debian bookworm's golang is 1.19)"
  if [ -n "${CI:-}" ]; then fail "$message"; else echo "WARNING: $message" >&2; fi
fi

echo "system: python $python_version, java $java_version, maven $maven_version," \
  "node $node_version, npm $npm_version, go ${go_version:-none};" \
  "$(grep -c . <<<"$PACKAGES") Debian packages present"
