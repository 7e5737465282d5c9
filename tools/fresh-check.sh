#!/usr/bin/env bash
# Proves the README's two commands on a Debian 12 that nobody installed anything on by hand:
# builds a minimal bookworm root with mmdebstrap, copies a clean clone of HEAD into it, runs
# `make test` there (which installs every package it needs), then `make demo` for 20 s and
# fetches /api/status, then `make deb` and tools/deb-install-check.sh on the package it made
# (installed and purged in a second bare root). Prints one summary line last; exits non-zero
# when any step fails.
#
# Needs root (chroot, mounts) and the network to Debian's mirrors. Takes 35-45 minutes on two
# cores. Usage: tools/fresh-check.sh [--keep] [--package-only]   (--keep leaves the root in
# $FRESH_ROOT; --package-only runs the package step alone, `make deb` and the install check, in
# 10-20 minutes, and says so in its summary: not a whole fresh check)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tools/bare-root.sh"
root=${FRESH_ROOT:-/var/tmp/hashsink-fresh-root}
log_dir=${FRESH_LOG_DIR:-$repo/build/fresh-check}
keep=0
package_only=0
for arg in "$@"; do
  case $arg in
    --keep) keep=1 ;;
    --package-only) package_only=1 ;;
    *) echo "fresh-check: unknown option $arg (--keep, --package-only)" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || { echo "fresh-check: needs root (chroot and mounts)" >&2; exit 2; }
"$repo/tools/install-deps.sh" mmdebstrap git

mkdir -p "$log_dir"
bare_root_clear "$root"
summary() { echo "fresh-check: $*"; }

# The root: Debian's minbase plus make, the one thing a user runs before the Makefile can
# install the rest.
echo "fresh-check: building a bookworm root in $root (log: $log_dir/mmdebstrap.log)"
if ! bare_root_make "$root" "$log_dir/mmdebstrap.log" make,ca-certificates; then
  summary "FAIL: mmdebstrap could not build the root (see $log_dir/mmdebstrap.log)"
  exit 1
fi

# A clean clone of what is committed: nothing from this work tree's build or node_modules.
git clone -q --no-local "$repo" "$root/src"
git -C "$root/src" log -1 --format='fresh-check: testing %h %s'

run_in_root() { bare_root_run "$root" "$@"; }

test_rc=0
demo_rc=0
ctest_line=
status_line=
if [ $package_only -eq 0 ]; then
  echo "fresh-check: make test in the root (log: $log_dir/make-test.log)"
  run_in_root 'cd /src && make test' >"$log_dir/make-test.log" 2>&1 || test_rc=$?
  ctest_line=$(grep -E '^[0-9]+% tests passed' "$log_dir/make-test.log" | tail -1 || true)

  echo "fresh-check: make demo for 20 s in the root (log: $log_dir/make-demo.log)"
  run_in_root 'cd /src && { timeout -s INT 25 make demo >/tmp/demo.log 2>&1 & }
  sleep 20
  python3 -c "import json, urllib.request
s = json.load(urllib.request.urlopen(\"http://127.0.0.1:8080/api/status\", timeout=5))
print(\"status: tick\", s.get(\"tick\"), \"miners\", len(s.get(\"miners\", [])))" || exit 1
  wait || true
  cat /tmp/demo.log' >"$log_dir/make-demo.log" 2>&1 || demo_rc=$?
  status_line=$(grep -E '^status: tick' "$log_dir/make-demo.log" | tail -1 || true)
fi

deb_rc=0
echo "fresh-check: make deb in the root, then its install check (logs: $log_dir/make-deb.log," \
  "$log_dir/deb-install-check.log)"
run_in_root 'cd /src && make deb' >"$log_dir/make-deb.log" 2>&1 || deb_rc=$?
if [ $deb_rc -eq 0 ]; then
  debs=("$root"/src/dist/hashsink_*_"$(dpkg --print-architecture)".deb)
  "$repo/tools/deb-install-check.sh" "${debs[0]}" >"$log_dir/deb-install-check.log" 2>&1 ||
    deb_rc=$?
fi
deb_line=$(grep -E '^deb-install-check: ' "$log_dir/deb-install-check.log" 2>/dev/null | tail -1 || true)

[ $keep -eq 1 ] || bare_root_clear "$root"

if [ $package_only -eq 1 ]; then
  if [ $deb_rc -eq 0 ]; then
    summary "PASS (package step only; make test and make demo not run): make deb and ${deb_line#deb-install-check: }"
    exit 0
  fi
  summary "FAIL (package step only): make deb and install check exit $deb_rc (${deb_line:-no summary}); logs in $log_dir"
  exit 1
fi
if [ $test_rc -eq 0 ] && [ $demo_rc -eq 0 ] && [ $deb_rc -eq 0 ]; then
  summary "PASS: make test (${ctest_line:-no ctest summary}); make demo served /api/status (${status_line#status: }); make deb and ${deb_line#deb-install-check: }"
  exit 0
fi
summary "FAIL: make test exit $test_rc (${ctest_line:-no ctest summary}); make demo exit $demo_rc (${status_line:-no /api/status}); make deb and install check exit $deb_rc (${deb_line:-no summary}); logs in $log_dir"
exit 1
