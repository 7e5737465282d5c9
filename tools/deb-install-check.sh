#!/usr/bin/env bash
# Installs the Debian package on a Debian 12 that nobody installed anything on by hand, and
# removes it again: builds a minimal bookworm root with mmdebstrap (plus systemd, for
# systemd-analyze), copies the .deb in and checks there that
#   - `apt install ./hashsink_*.deb` pulls in every runtime dependency and makes the user;
#   - `hashsink --version` and `hashsink check` on the installed /etc/hashsink/hashsink.toml pass;
#   - the daemon runs on that config for a few seconds and logs its setup code;
#   - `systemd-analyze verify` passes on the installed unit;
#   - after what a running service leaves (its state folder, a saved config version),
#     `apt purge hashsink` and `apt autoremove --purge` leave no file that was not there before.
# Prints one summary line last; exits non-zero when a step fails.
#
# Needs root and the network to Debian's mirrors; 3-5 minutes. `make fresh-check` runs it on
# the package `make deb` makes in its own bare root.
# Usage: tools/deb-install-check.sh [DEB] [--keep]   (default DEB: dist/hashsink_*_<arch>.deb;
# --keep leaves the root in $DEB_CHECK_ROOT)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tools/bare-root.sh"
root=${DEB_CHECK_ROOT:-/var/tmp/hashsink-deb-root}
log_dir=${DEB_CHECK_LOG_DIR:-$repo/build/deb-install-check}
deb="" keep=0
for arg in "$@"; do
  case $arg in
    --keep) keep=1 ;;
    *) deb=$arg ;;
  esac
done
if [ -z "$deb" ]; then
  found=("$repo"/dist/hashsink_*_"$(dpkg --print-architecture)".deb)
  deb=${found[-1]}
fi
summary() { echo "deb-install-check: $*"; }
[ "$(id -u)" -eq 0 ] || { echo "deb-install-check: needs root (chroot and mounts)" >&2; exit 2; }
[ -f "$deb" ] || { summary "FAIL: no package $deb (make deb)"; exit 1; }
"$repo/tools/install-deps.sh" mmdebstrap
mkdir -p "$log_dir"

echo "deb-install-check: building a bookworm root in $root (log: $log_dir/mmdebstrap.log)"
if ! bare_root_make "$root" "$log_dir/mmdebstrap.log" ca-certificates,systemd; then
  summary "FAIL: mmdebstrap could not build the root (see $log_dir/mmdebstrap.log)"
  exit 1
fi
cp "$deb" "$root/tmp/"
name=$(basename "$deb")

# Every path of the root but the package manager's own records and caches, the logs, the
# scratch folders and the backups adduser and deluser leave of the user database (passwd-,
# shadow-, ...): what an install and a purge must leave as they found it.
snapshot='find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
  -o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /var/log \
  -o -path /etc/passwd- -o -path /etc/group- -o -path /etc/shadow- -o -path /etc/gshadow- \) \
  -prune -o -print | sort'

rc=0
echo "deb-install-check: installing, checking and purging $name (log: $log_dir/check.log)"
bare_root_run "$root" "set -euo pipefail
  $snapshot >/tmp/before.txt
  echo '== apt install ./$name'
  apt-get update -q
  apt-get install -y -q --no-install-recommends /tmp/$name
  echo '== installed files'
  dpkg -L hashsink
  echo '== the user and the config folder postinst made'
  getent passwd hashsink
  stat -c '%U:%G %a %n' /etc/hashsink /etc/hashsink/hashsink.toml
  test \"\$(stat -c %G /etc/hashsink)\" = hashsink
  echo '== hashsink --version'
  hashsink --version
  echo '== hashsink check --config /etc/hashsink/hashsink.toml'
  hashsink check --config /etc/hashsink/hashsink.toml
  echo '== hashsink run, 4 s, as nobody (as the unit would, without systemd)'
  install -d -o nobody /tmp/state
  timeout -s INT 4 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    hashsink run --config /etc/hashsink/hashsink.toml --db /tmp/state/hashsink.db \
    2>/tmp/run.err || [ \$? -eq 124 ]
  cat /tmp/run.err
  grep -q 'web: setup code: ' /tmp/run.err
  echo '== systemd-analyze verify /lib/systemd/system/hashsink.service'
  systemd-analyze verify /lib/systemd/system/hashsink.service
  echo '== what a running service leaves: its state folder and a config version the page saved'
  install -d -m 0700 /var/lib/private/hashsink
  cp /tmp/state/hashsink.db /var/lib/private/hashsink/
  ln -s private/hashsink /var/lib/hashsink
  install -d -m 0700 /etc/hashsink/hashsink.toml.versions
  cp /etc/hashsink/hashsink.toml /etc/hashsink/hashsink.toml.versions/1.toml
  echo '== apt purge hashsink; apt autoremove --purge'
  apt-get purge -y -q hashsink
  apt-get autoremove --purge -y -q
  $snapshot >/tmp/after.txt
  echo '== left behind or removed (diff of the file lists before and after)'
  diff /tmp/before.txt /tmp/after.txt
  echo '== the user and the folders'
  if getent passwd hashsink; then echo 'left: the user hashsink'; exit 1; fi
  for left in /etc/hashsink /var/lib/hashsink /var/lib/private/hashsink; do
    if test -e \$left -o -L \$left; then echo \"left: \$left\"; exit 1; fi
  done
  echo none left" >"$log_dir/check.log" 2>&1 || rc=$?

[ $keep -eq 1 ] || bare_root_clear "$root"
if [ $rc -eq 0 ]; then
  summary "PASS: $name installs with its dependencies, checks its config, runs, verifies its unit and purges clean"
  exit 0
fi
tail -n 25 "$log_dir/check.log"
summary "FAIL: exit $rc (log: $log_dir/check.log)"
exit 1
