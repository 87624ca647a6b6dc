#!/usr/bin/env bash
# Runs every libFuzzer target in $1 briefly (seconds each, from its seed corpus).
set -euo pipefail
bin_dir="$1"
seconds="${WV_FUZZ_SECONDS:-20}"
here="$(cd "$(dirname "$0")" && pwd)"
shopt -s nullglob
ran=0
for fuzzer in "$bin_dir"/*_fuzz; do
  name="$(basename "$fuzzer")"
  corpus="$(mktemp -d)"
  [ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$corpus/"
  echo "fuzz: $name for ${seconds}s"
  "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "$corpus" 2>&1 | tail -n 5
  rm -rf "$corpus"
  ran=$((ran + 1))
done
echo "fuzz: $ran targets ran without a crash"
