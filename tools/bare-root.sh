# Sourced by tools/fresh-check.sh and tools/deb-install-check.sh: a minimal Debian 12 root made
# with mmdebstrap, and commands run inside it. Needs root (chroot, mounts) and the network to
# Debian's mirrors.

# bare_root_clear ROOT: removes ROOT, first unmounting whatever is still mounted inside it (a
# run killed half-way leaves mmdebstrap's /proc, /sys and /dev mounts behind, and the next
# mmdebstrap then finds the folder not empty); rm never crosses into another file system.
bare_root_clear() {
  local root=$1 m
  [ -e "$root" ] || return 0
  awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts |
    sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}

# bare_root_make ROOT LOG [PACKAGES]: Debian's minbase of bookworm plus PACKAGES (comma-separated,
# default ca-certificates), from the host's apt sources (the same mirror and security suite).
# The one thing carried over from this machine: the local CA certificates its network needs (a
# TLS proxy between it and the package registries), which a root of Debian's packages cannot
# have. No package, file or setting of the project's comes along.
bare_root_make() {
  local root=$1 log=$2 include=${3:-ca-certificates} f
  local sources=()
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -s "$f" ] && sources+=("$f")
  done
  [ ${#sources[@]} -gt 0 ] || sources=(http://deb.debian.org/debian)
  bare_root_clear "$root"
  mmdebstrap --variant=minbase --include="$include" bookworm "$root" "${sources[@]}" >"$log" 2>&1 ||
    return 1
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1
  fi
}
export bare_root_extra_ca=${NODE_EXTRA_CA_CERTS:+/etc/ssl/certs/ca-certificates.crt}

# bare_root_run ROOT COMMAND: runs the bash COMMAND inside ROOT as root with a clean environment,
# in private mount and pid namespaces, so every mount and every process left behind goes away
# with it.
bare_root_run() {
  unshare --mount --pid --fork --propagation private -- bash -c '
    set -e
    r=$1; shift
    mount -t proc proc "$r/proc"
    mount -t sysfs sys "$r/sys"
    mount --rbind /dev "$r/dev"
    mount -t tmpfs -o mode=1777 shm "$r/dev/shm"
    cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
    exec chroot "$r" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
      ${bare_root_extra_ca:+NODE_EXTRA_CA_CERTS=$bare_root_extra_ca} bash -c "$*"' \
    _ "$@"
}
