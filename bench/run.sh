#!/usr/bin/env bash
# Benchmark of `wordviews run` against the same ETL written for DuckDB
# (bench/duckdb_etl.py + duckdb_etl.sql), side by side in the same run, on
# $WV_BENCH_ROWS generated rows:
#   * clean rows (no defects), plain CSV: DuckDB's own read_csv (--reader plain),
#     the fair peer; then `wordviews check` of wordviews' output;
#   * 2% defects, plain CSV and .csv.gz: DuckDB reads lines and splits fields with
#     regular expressions (--reader lines), since its CSV reader stops at the
#     defects (skip with WV_BENCH_DIRTY=0).
# Prints wall time, CPU seconds (user + sys) and peak RSS (/usr/bin/time -v) of each
# and the ratios.
# usage: bench/run.sh BIN_DIR   (env: WV_BENCH_ROWS, WV_BENCH_DIR, WV_BENCH_SKIP_DUCKDB=1,
#                                WV_BENCH_DIRTY=0)
set -euo pipefail
bin_dir="$1"
here="$(cd "$(dirname "$0")" && pwd)"
wv="$bin_dir/wordviews"
rows="${WV_BENCH_ROWS:-12854226}"
dir="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
mkdir -p "$dir"

# generated NAME DIRTY_RATE EXT -> path of $rows generated rows (reused when present)
generated() {
  local path="$dir/$1.$3"
  if [ ! -f "$path" ] || [ "$(cat "$path.rows" 2>/dev/null)" != "$rows" ]; then
    echo "generating $rows rows (dirty rate $2) -> $path" >&2
    "$wv" generate --rows "$rows" --dirty-rate "$2" --seed 42 --out "$path" --quiet
    echo "$rows" > "$path.rows"
  fi
  echo "$path"
}

# measure LABEL CMD...: bench/measure.sh
. "$here/measure.sh"

# versus LABEL READER INPUT: wordviews run, then DuckDB with READER, on INPUT
versus() {
  local label="$1" reader="$2" input="$3"
  measure "wordviews run ($label)" "$wv" run --traces "$input" --out "$dir/wv_out_$label" --quiet
  local wv_s=$LAST_S wv_cpu=$LAST_CPU wv_mib=$LAST_MIB
  if [ "$label" = clean ]; then
    measure "wordviews check (clean output)" "$wv" check "$dir/wv_out_$label"
  fi
  if [ "${WV_BENCH_SKIP_DUCKDB:-0}" != 1 ]; then
    measure "duckdb etl, $reader ($label)" python3 "$here/duckdb_etl.py" --reader "$reader" \
      --traces "$input" --out "$dir/duck_out_$label"
    awk -v a="$LAST_S" -v b="$wv_s" -v ca="$LAST_CPU" -v cb="$wv_cpu" -v ma="$LAST_MIB" -v mb="$wv_mib" \
      'BEGIN {printf "  => DuckDB / wordviews: wall %.2fx, CPU %.2fx, peak RSS %.2fx\n", a/b, ca/cb, ma/mb}'
  fi
  rm -rf "$dir/wv_out_$label" "$dir/duck_out_$label"
}

echo "$rows rows, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
versus clean plain "$(generated run_clean 0 csv)"
if [ "${WV_BENCH_DIRTY:-1}" != 0 ]; then
  versus csv lines "$(generated run_traces 0.02 csv)"
  versus csv.gz lines "$(generated run_traces 0.02 csv.gz)"
fi
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
