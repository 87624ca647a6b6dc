#!/usr/bin/env bash
# `make bench` part: `wordviews load` of a WV_BENCH_ROWS-row output (default
# 12,854,226) into a PostgreSQL server started here, side by side with
# PostgreSQL's own COPY FROM a CSV of the same rows into the same tables
# without indexes, on the same server in the same run; then the research
# views' and the summary tables' query times on the loaded data.
# Set WV_LOAD_STAR=DIR to load an existing output folder instead.
set -euo pipefail
bin_dir="$1"
wv="$bin_dir/wordviews"
here="$(cd "$(dirname "$0")" && pwd)"
rows="${WV_BENCH_ROWS:-12854226}"
work="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
star="${WV_LOAD_STAR:-$work/load-star-$rows}"

if [ ! -f "$star/_manifest.json" ]; then
  traces="$work/load-traces-$rows.csv"
  "$wv" generate --rows "$rows" --seed 7 --dirty-rate 0.01 --out "$traces" --quiet
  "$wv" run --traces "$traces" --out "$star" --quiet
  rm -f "$traces" "$traces.truth.json" "$traces.defects.csv"
fi
python3 "$here/load_bench.py" "$wv" "$star"
