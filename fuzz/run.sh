#!/usr/bin/env bash
# Builds the fuzzers with clang (build dir $FUZZ_BUILD, default build-fuzz) and runs each for
# FUZZ_SECONDS (default 60), FUZZ_JOBS at a time, its committed corpus read and new inputs kept
# in $FUZZ_BUILD/corpus/. Exits non-zero when any target crashes; the input is left in
# $FUZZ_BUILD/crashes/. Usage:
#   fuzz/run.sh [target...]     (default: every fuzz/*.cpp)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$repo/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Fuzz -DCMAKE_CXX_COMPILER=clang++ \
  -DHASHSINK_FUZZ=ON -DHASHSINK_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$jobs" --target fuzzers

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$repo"/fuzz/*.cpp; do  # every target; replay_main.cpp is the normal build's main
    t=$(basename "$f" .cpp)
    [ "$t" = replay_main ] || targets+=("$t")
  done
fi
mkdir -p "$build/crashes" "$build/logs"

run_one() {  # target: its log ends with libFuzzer's final stats; exit status 1 on a crash
  local t=$1 work=$build/corpus/$1
  mkdir -p "$work"
  if "$build/fuzz_$t" -max_total_time="$seconds" -timeout=20 -print_final_stats=1 \
       -artifact_prefix="$build/crashes/$t-" "$work" "$repo/fuzz/corpus/$t" \
       >"$build/logs/$t.log" 2>&1; then
    echo "$t: ok  $(grep -E '^#[0-9]+.*(DONE|pulse)' "$build/logs/$t.log" | tail -1)"
  else
    echo "$t: CRASH (log $build/logs/$t.log)"; return 1
  fi
}
export -f run_one
export build seconds repo
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
