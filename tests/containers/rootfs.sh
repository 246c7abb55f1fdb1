#!/usr/bin/env bash
# Functions (sourced, not run) to make minimal Debian bookworm images with mmdebstrap, tagged with a
# recipe label so that an image is rebuilt only when the recipe changes. Used by base-images.sh
# (stand-ins for images that cannot be pulled) and tools/fresh-check (a bare machine).
#   recipe_of FILE...                  a short hash of the files' (or stdin's, with -) contents
#   up_to_date NAME RECIPE             the image exists with RECIPE (or is an upstream image)
#   rootfs NAME RECIPE HOOK PACKAGES   mmdebstrap minbase + PACKAGES, imported as NAME
#   host_cas / ca_hook                 the host's extra trusted CAs and the hook that adds them

sources=${DEBIAN_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -e "$sources" ] || sources=http://deb.debian.org/debian # a host without deb822 sources
label=io.github.fraud-detection.recipe

recipe_of() { cat "$@" | sha256sum | cut -c1-16; }

up_to_date() {
  local have
  [ "${FORCE:-0}" = 1 ] && return 1
  podman image exists "$1" || return 1
  have=$(podman image inspect --format "{{ index .Labels \"$label\" }}" "$1")
  [ -z "$have" ] || [ "$have" = "<no value>" ] || [ "$have" = "$2" ]
}

# The host's extra trusted CAs (e.g. a TLS-inspecting proxy's), so that pip, uv, npm and Maven
# inside can reach their registries; none on an ordinary host.
host_cas=(/usr/local/share/ca-certificates/*.crt)
[ -e "${host_cas[0]}" ] || host_cas=()
ca_hook=true
if [ ${#host_cas[@]} -gt 0 ]; then
  ca_hook="cp ${host_cas[*]} \"\$1/usr/local/share/ca-certificates/\" && chroot \"\$1\" update-ca-certificates >/dev/null"
fi

# rootfs NAME RECIPE HOOK PACKAGES...: a minimal Debian bookworm with PACKAGES, imported as NAME;
# HOOK is a last customize step ("true" for none). ROOTFS_HOOK replaces the first one, which by
# default drops pip's EXTERNALLY-MANAGED marker (the stand-in python image installs with pip).
rootfs() {
  local name=$1 recipe=$2 hook=$3 includes tarball
  shift 3
  up_to_date "$name" "$recipe" && return 0
  includes=$(IFS=,; echo "$*")
  echo "mmdebstrap: $name ($includes)"
  # Into a file first: a failed mmdebstrap must not leave an (empty) image behind.
  tarball=$(mktemp --tmpdir=/var/tmp rootfs.XXXXXX.tar)
  # The hooks are run by mmdebstrap with "$1" = the new root: single quotes on purpose.
  # shellcheck disable=SC2016
  # force-unsafe-io: no fsync per unpacked file (as Debian's docker images and this machine kind
  # have it); a half-written image is thrown away anyway.
  mmdebstrap --quiet --variant=minbase --include="$includes" \
    --aptopt='Apt::Install-Recommends "false"' --dpkgopt=force-unsafe-io \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    --customize-hook="${ROOTFS_HOOK:-rm -f \"\$1\"/usr/lib/python3*/EXTERNALLY-MANAGED}" \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    --customize-hook="$hook" \
    bookworm "$tarball" "$sources" || { rm -f "$tarball"; return 1; }
  podman import --quiet --change 'ENV LANG=C.UTF-8' --change "LABEL $label=$recipe" \
    --change 'CMD ["bash"]' "$tarball" "$name" >/dev/null
  rm -f "$tarball"
}
