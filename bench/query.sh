#!/usr/bin/env bash
# `make bench` part: every `wordviews query` and the report over a star schema of
# WV_BENCH_ROWS rows (default 12,854,226), each side by side with DuckDB answering
# the same question over the same Parquet files, in the same run.
# The star schema comes from `wordviews generate` + `wordviews run` when both are
# built, else from bench/query_star.py (DuckDB, same column contract). Set
# WV_QUERY_STAR=DIR to benchmark an existing output folder instead.
set -euo pipefail
bin_dir="$1"
wv="$bin_dir/wordviews"
here="$(cd "$(dirname "$0")" && pwd)"
rows="${WV_BENCH_ROWS:-12854226}"
work="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
star="${WV_QUERY_STAR:-$work/query-star-$rows}"

if [ ! -d "$star/fact_wordviews" ]; then
  traces="$work/query-traces-$rows.csv"
  if "$wv" generate --rows "$rows" --seed 7 --out "$traces" >/dev/null 2>&1 &&
     "$wv" run --traces "$traces" --out "$star" --quiet >/dev/null 2>&1; then
    echo "query bench: star schema built by wordviews generate + run"
  else
    rm -rf "$star"
    echo "query bench: wordviews generate/run not available; building the star schema with DuckDB"
    python3 "$here/query_star.py" "$star" "$rows"
  fi
  rm -f "$traces"
fi
python3 "$here/query_bench.py" "$wv" "$star"
