#!/usr/bin/env bash
# Runs every libFuzzer target in $1 briefly (seconds each, from its seed corpus).
set -euo pipefail
bin_dir="$1"
seconds="${WV_FUZZ_SECONDS:-20}"
here="$(cd "$(dirname "$0")" && pwd)"
# Undefined behaviour is a finding like a crash (the fuzz build's UBSan checks
# are recoverable: without this a report scrolls by and the run goes on).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
shopt -s nullglob
ran=0
for fuzzer in "$bin_dir"/*_fuzz; do
  name="$(basename "$fuzzer")"
  corpus="$(mktemp -d)"
  [ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$corpus/"
  dict=()
  [ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
  echo "fuzz: $name for ${seconds}s"
  "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
    "$corpus" 2>&1 | tail -n 5
  rm -rf "$corpus"
  ran=$((ran + 1))
done
echo "fuzz: $ran targets ran without a crash"
