#!/usr/bin/env bash
# `make bench`: every benchmark, each side by side with its peer in the same run.
# Figures are recorded in docs/BENCHMARKS.md. Set WV_BENCH_ROWS to scale down (default: the real file's 12,854,226).
set -euo pipefail
bin_dir="$1"
here="$(cd "$(dirname "$0")" && pwd)"
export WV_BENCH_ROWS="${WV_BENCH_ROWS:-12854226}"
export WV_BENCH_DIR="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
for part in generate parquet ingest run append peers query scale load load_append hlr s3 s3_input; do
  if [ -f "$here/$part.sh" ]; then
    echo "=================== bench: $part"
    bash "$here/$part.sh" "$bin_dir"
  fi
done
