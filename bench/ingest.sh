#!/usr/bin/env bash
# Ingest throughput (Google Benchmark, bench/ingest_bench.cc): row splitting and
# validation of in-memory chunks (rows/s, MB/s per thread), then the whole
# ingest (read, chunk, validate, deduplicate) of a plain and a gzip file with
# 1 and 2 workers. Uses WV_BENCH_DIR/traces.csv[.gz] when bench/generate.sh
# left them, else writes WV_BENCH_ROWS rows of its own there.
# usage: bench/ingest.sh BIN_DIR
set -euo pipefail
bin_dir="${1:-build/bin}"
export WV_BENCH_DIR="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
"$bin_dir/wordviews_bench" --benchmark_filter='BM_(RowParser|ValidateChunk|Ingest)' \
  --benchmark_counters_tabular=true
