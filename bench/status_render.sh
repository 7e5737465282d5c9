#!/bin/sh
# The live page's cost in Debian's chromium at 10,000 miners (docs/performance.md): the real web
# server (build/bench/status_page) with a 10,000-miner status, the page as built, and the same
# page from an older commit for comparison. Installs playwright-core from the e2e test's lock file
# into the build directory (npm ci), as tests/e2e/web/run.sh does.
#   cmake --build build -j2 --target bench_status_page && bench/status_render.sh build [REV ...]
# REV: a commit whose web/assets/ to time beside the built page (routed in by the browser).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: status_render.sh BUILD_DIR [REV ...]}" && pwd)
shift
work="$build/e2e-web"
mkdir -p "$work"
lock="$here/../tests/e2e/web"
if ! cmp -s "$lock/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/playwright-core" ]; then
  cp "$lock/package.json" "$lock/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
export E2E_MODULES="$work/node_modules" STATUS_PAGE="$build/bench/status_page" REPO="$here/.."
failed=0
for rev in "" "$@"; do
  node "$here/status_render.mjs" "${MINERS:-10000}" $rev || failed=1
done
exit $failed
