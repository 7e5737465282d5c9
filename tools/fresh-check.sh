#!/usr/bin/env bash
# Proves the README's two commands on a Debian 12 that nobody installed anything on by hand:
# builds a minimal bookworm root with mmdebstrap, copies a clean clone of HEAD into it, runs
# `make test` there (which installs every package it needs), then `make demo` for 20 s and
# fetches /api/status. Prints one summary line last; exits non-zero when either step fails.
#
# Needs root (chroot, mounts) and the network to Debian's mirrors. Takes 20-30 minutes on two
# cores. Usage: tools/fresh-check.sh [--keep]   (--keep leaves the root in $FRESH_ROOT)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
root=${FRESH_ROOT:-/var/tmp/hashsink-fresh-root}
log_dir=${FRESH_LOG_DIR:-$repo/build/fresh-check}
keep=0
[ "${1:-}" = "--keep" ] && keep=1

[ "$(id -u)" -eq 0 ] || { echo "fresh-check: needs root (chroot and mounts)" >&2; exit 2; }
"$repo/tools/install-deps.sh" mmdebstrap git

mkdir -p "$log_dir"
rm -rf "$root"
summary() { echo "fresh-check: $*"; }

# The root: Debian's minbase plus make, the one thing a user runs before the Makefile can
# install the rest. The host's apt sources give the same mirror and security suite.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -s "$f" ] && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || sources=(http://deb.debian.org/debian)
echo "fresh-check: building a bookworm root in $root (log: $log_dir/mmdebstrap.log)"
if ! mmdebstrap --variant=minbase --include=make,ca-certificates bookworm "$root" "${sources[@]}" \
     >"$log_dir/mmdebstrap.log" 2>&1; then
  summary "FAIL: mmdebstrap could not build the root (see $log_dir/mmdebstrap.log)"
  exit 1
fi

# The one thing carried over from this machine: the local CA certificates its network needs
# (a TLS proxy between it and the package registries), which a root of Debian's packages
# cannot have. No package, file or setting of the project's comes along.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
export extra_ca=${NODE_EXTRA_CA_CERTS:+/etc/ssl/certs/ca-certificates.crt}

# A clean clone of what is committed: nothing from this work tree's build or node_modules.
git clone -q --no-local "$repo" "$root/src"
git -C "$root/src" log -1 --format='fresh-check: testing %h %s'

# Inside the root, in private mount and pid namespaces, so every mount and every process left
# behind goes away with it.
run_in_root() {
  unshare --mount --pid --fork --propagation private -- bash -c '
    set -e
    r=$1; shift
    mount -t proc proc "$r/proc"
    mount -t sysfs sys "$r/sys"
    mount --rbind /dev "$r/dev"
    mount -t tmpfs -o mode=1777 shm "$r/dev/shm"
    cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
    exec chroot "$r" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 TERM=dumb ${extra_ca:+NODE_EXTRA_CA_CERTS=$extra_ca} bash -c "$*"' \
    _ "$root" "$@"
}

test_rc=0
echo "fresh-check: make test in the root (log: $log_dir/make-test.log)"
run_in_root 'cd /src && make test' >"$log_dir/make-test.log" 2>&1 || test_rc=$?
ctest_line=$(grep -E '^[0-9]+% tests passed' "$log_dir/make-test.log" | tail -1 || true)

demo_rc=0
echo "fresh-check: make demo for 20 s in the root (log: $log_dir/make-demo.log)"
run_in_root 'cd /src && { timeout -s INT 25 make demo >/tmp/demo.log 2>&1 & }
  sleep 20
  python3 -c "import json, urllib.request
s = json.load(urllib.request.urlopen(\"http://127.0.0.1:8080/api/status\", timeout=5))
print(\"status: tick\", s.get(\"tick\"), \"miners\", len(s.get(\"miners\", [])))" || exit 1
  wait || true
  cat /tmp/demo.log' >"$log_dir/make-demo.log" 2>&1 || demo_rc=$?
status_line=$(grep -E '^status: tick' "$log_dir/make-demo.log" | tail -1 || true)

[ $keep -eq 1 ] || rm -rf "$root"

if [ $test_rc -eq 0 ] && [ $demo_rc -eq 0 ]; then
  summary "PASS: make test (${ctest_line:-no ctest summary}); make demo served /api/status (${status_line#status: })"
  exit 0
fi
summary "FAIL: make test exit $test_rc (${ctest_line:-no ctest summary}); make demo exit $demo_rc (${status_line:-no /api/status}); logs in $log_dir"
exit 1
