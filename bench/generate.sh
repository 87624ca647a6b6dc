#!/usr/bin/env bash
# Benchmark of `wordviews generate`: rows/s and MB/s to plain CSV and to .csv.gz.
# Usage: bench/generate.sh BIN_DIR   (env: WV_BENCH_ROWS, default 12854226; WV_BENCH_DIR, a
# scratch folder; WV_BENCH_THREADS, default all cores). Leaves traces.csv and traces.csv.gz in
# WV_BENCH_DIR for the benchmarks that follow.
set -euo pipefail
bin_dir="${1:-build/bin}"
wv="$bin_dir/wordviews"
rows="${WV_BENCH_ROWS:-12854226}"
dir="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
threads="${WV_BENCH_THREADS:-$(nproc)}"
mkdir -p "$dir"

for out in traces.csv traces.csv.gz; do
  path="$dir/$out"
  timing="$(mktemp)"
  /usr/bin/time -f "%e %M %P" -o "$timing" \
    "$wv" generate --rows "$rows" --seed 1 --threads "$threads" --out "$path" --quiet
  read -r seconds max_kb cpu < "$timing"
  rm -f "$timing"
  uncompressed="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['bytes_uncompressed'])" "$path.truth.json")"
  stored="$(stat -c %s "$path")"
  awk -v out="$out" -v rows="$rows" -v s="$seconds" -v u="$uncompressed" -v st="$stored" \
      -v kb="$max_kb" -v cpu="$cpu" -v t="$threads" 'BEGIN {
    printf "generate %-14s rows=%d threads=%d  %.2f s  %.2f M rows/s  %.0f MB/s (uncompressed)  file=%.0f MB  peak RSS=%.0f MiB  cpu=%s\n",
      out, rows, t, s, rows / s / 1e6, u / s / 1e6, st / 1e6, kb / 1024, cpu }'
done
