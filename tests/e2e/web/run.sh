#!/bin/sh
# Runs the browser end-to-end test: installs playwright-core from the committed lock file into
# the build directory (npm ci), then drives Debian's chromium against the real binary.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: run.sh WORKDIR HASHSINK}
binary=${2:?usage: run.sh WORKDIR HASHSINK}
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/playwright-core" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
E2E_MODULES="$work/node_modules" HASHSINK_BINARY="$binary" E2E_OUT="$work" exec node "$here/web_e2e.mjs"
