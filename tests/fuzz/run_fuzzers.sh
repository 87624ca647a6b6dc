#!/usr/bin/env bash
# Runs every libFuzzer target in $1 briefly (WV_FUZZ_SECONDS each, 20 by default,
# from its seed corpus), WV_FUZZ_JOBS (nproc) of them at a time: each fuzzer is
# one single-threaded process, so on two cores two of them take the time of one.
# Fails when any target crashes, leaks or trips a sanitizer; prints its log then.
set -euo pipefail
bin_dir="$1"
seconds="${WV_FUZZ_SECONDS:-20}"
jobs="${WV_FUZZ_JOBS:-$(nproc)}"
here="$(cd "$(dirname "$0")" && pwd)"
# Undefined behaviour is a finding like a crash (the fuzz build's UBSan checks
# are recoverable: without this a report scrolls by and the run goes on).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
shopt -s nullglob
fuzzers=("$bin_dir"/*_fuzz)
[ ${#fuzzers[@]} -gt 0 ] || { echo "fuzz: no *_fuzz targets in $bin_dir"; exit 1; }

run_one() {
  local fuzzer="$1" name corpus
  name="$(basename "$fuzzer")"
  corpus="$work/$name.corpus"
  mkdir -p "$corpus"
  [ -d "$here/corpus/$name" ] && cp -r "$here/corpus/$name/." "$corpus/"
  local dict=()
  [ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
  # -artifact_prefix: a crashing input lands in the log's folder, not the cwd.
  "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$work/$name." "$corpus" > "$work/$name.log" 2>&1
}

pids=()
names=()
failed=0
for fuzzer in "${fuzzers[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 0.2; done
  echo "fuzz: $(basename "$fuzzer") for ${seconds}s"
  run_one "$fuzzer" &
  pids+=($!)
  names+=("$(basename "$fuzzer")")
done
for i in "${!pids[@]}"; do
  name="${names[$i]}"
  if wait "${pids[$i]}"; then
    echo "fuzz: $name:"
    tail -n 5 "$work/$name.log"
  else
    failed=$((failed + 1))
    echo "fuzz: $name FAILED:"
    cat "$work/$name.log"
    for crash in "$work/$name".crash-* "$work/$name".leak-* "$work/$name".timeout-* "$work/$name".oom-*; do
      mkdir -p "$bin_dir/fuzz-artifacts"
      cp "$crash" "$bin_dir/fuzz-artifacts/"
      echo "fuzz: input kept at $bin_dir/fuzz-artifacts/$(basename "$crash")"
    done
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: $failed of ${#fuzzers[@]} targets failed"
  exit 1
fi
echo "fuzz: ${#fuzzers[@]} targets ran without a crash"
