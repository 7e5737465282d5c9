#!/usr/bin/env bash
# Builds the Debian package of hashsink into dist/: `make deb` (this machine's architecture) or
# `make deb ARCH=arm64` (a cross build for a Raspberry Pi). Installs the build dependencies that
# debian/control names first (for a cross build: the cross compiler, the :arm64 libraries and
# qemu-user-static, which runs the arm64 binary for help2man), builds with dpkg-buildpackage in
# a copy of the source under build/deb/<arch>/ (so two architectures can build at once and the
# work tree gets no debian/ leftovers), then runs lintian. docs/packaging.md explains it all.
#
# Usage: tools/build-deb.sh [ARCH]     JOBS=N sets the parallel jobs (default 2)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
"$repo/tools/install-deps.sh" dpkg-dev git
build_arch=$(dpkg --print-architecture)
host_arch=${1:-$build_arch}
jobs=${JOBS:-2}
fail() { echo "build-deb: $*" >&2; exit 1; }

# One version: CMake's project VERSION is the upstream part of debian/changelog's newest entry.
project_version=$(sed -n 's/^project(hashsink VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
deb_version=$(dpkg-parsechangelog -S Version)
[ "${deb_version%-*}" = "$project_version" ] ||
  fail "debian/changelog says $deb_version but CMakeLists.txt says $project_version: add a" \
       "changelog entry (dch -v $project_version-1) or fix the version"

# The Build-Depends of debian/control, without versions, arch lists or profiles.
build_depends() {
  awk '/^Build-Depends:/ { on = 1; sub(/^Build-Depends:/, "") }
       on && /^[A-Za-z-]+:/ && !/^Build-Depends:/ { on = 0 }
       on { print }' debian/control |
    tr ',' '\n' | sed 's/([^)]*)//; s/\[[^]]*\]//; s/<[^>]*>//; s/^ *//; s/ *$//' |
    sed 's/^debhelper-compat$/debhelper/' | grep -v '^$'
}

# dpkg-buildpackage checks for build-essential too, for a cross build as well.
packages=(lintian build-essential)
if [ "$host_arch" = "$build_arch" ]; then
  packages+=(g++ $(build_depends))
else
  if ! dpkg --print-foreign-architectures | grep -qx "$host_arch"; then
    echo "build-deb: adding the $host_arch architecture to dpkg"
    sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" dpkg --add-architecture "$host_arch"
  fi
  packages+=("crossbuild-essential-$host_arch" qemu-user-static)
  # A library is needed for the target (:arm64) when it is Multi-Arch: same; tools and
  # architecture-independent headers (nlohmann-json3-dev) come from the build machine.
  for pkg in $(build_depends); do
    multi_arch=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null |
                 awk '/^Multi-Arch:/ && !found { found = $2 } END { print found }')
    if [ "$multi_arch" = same ]; then
      packages+=("$pkg:$host_arch")
    else
      packages+=("$pkg")
    fi
  done
fi
"$repo/tools/install-deps.sh" "${packages[@]}"

# The source as it stands (tracked and new files, not ignored ones) in a fixed place, so that
# ccache finds its earlier objects on a rebuild.
stage=$repo/build/deb/$host_arch
src=$stage/hashsink-$project_version
rm -rf "$stage"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done |
  tar -C "$repo" --null -T - -cf - | tar -C "$src" -xf -

# debhelper (compat 13) gives the build a HOME of its own: name ccache's usual folder, or every
# build would start cold.
if command -v ccache >/dev/null; then
  CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir)}
  export CCACHE_DIR
fi

echo "build-deb: building hashsink $deb_version for $host_arch in $src (log: $stage/build.log)"
build_args=(-us -uc -b "-j$jobs")
[ "$host_arch" = "$build_arch" ] || build_args+=(-a "$host_arch")
if ! (cd "$src" && DEB_BUILD_PROFILES="nocheck${DEB_BUILD_PROFILES:+ $DEB_BUILD_PROFILES}" \
        DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}" \
        dpkg-buildpackage "${build_args[@]}") >"$stage/build.log" 2>&1; then
  tail -n 30 "$stage/build.log" >&2
  fail "dpkg-buildpackage failed for $host_arch (log: $stage/build.log)"
fi

mkdir -p "$repo/dist"
changes=hashsink_${deb_version}_${host_arch}.changes
mv "$stage"/*.deb "$stage"/*.ddeb "$stage"/*.buildinfo "$stage/$changes" "$repo/dist/" 2>/dev/null || true
[ -f "$repo/dist/hashsink_${deb_version}_${host_arch}.deb" ] || fail "no .deb was made"

echo "build-deb: lintian dist/$changes"
(cd "$repo/dist" && lintian --fail-on error --info "$changes") | tee "$stage/lintian.log"
ls -l "$repo"/dist/hashsink*_"${deb_version}"_"${host_arch}".*deb
