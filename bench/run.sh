#!/usr/bin/env bash
# Benchmark of `wordviews run` against the same ETL written for DuckDB
# (bench/duckdb_etl.py + duckdb_etl.sql), side by side in the same run, on
# $WV_BENCH_ROWS generated rows (2% defects), plain CSV and .csv.gz.
# Prints wall time and peak RSS (/usr/bin/time -v) of each and the ratios.
# usage: bench/run.sh BIN_DIR   (env: WV_BENCH_ROWS, WV_BENCH_DIR, WV_BENCH_SKIP_DUCKDB=1)
set -euo pipefail
bin_dir="$1"
here="$(cd "$(dirname "$0")" && pwd)"
wv="$bin_dir/wordviews"
rows="${WV_BENCH_ROWS:-12854226}"
dir="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
mkdir -p "$dir"
csv="$dir/run_traces.csv"
gz="$dir/run_traces.csv.gz"

if [ ! -f "$csv" ] || [ "$(cat "$csv.rows" 2>/dev/null)" != "$rows" ]; then
  echo "generating $rows rows -> $csv and $gz"
  "$wv" generate --rows "$rows" --dirty-rate 0.02 --seed 42 --out "$csv" >/dev/null
  "$wv" generate --rows "$rows" --dirty-rate 0.02 --seed 42 --out "$gz" >/dev/null
  echo "$rows" > "$csv.rows"
fi

# measure LABEL CMD... -> prints "LABEL: S s, M MiB" and sets LAST_S / LAST_MIB
measure() {
  local label="$1"
  shift
  local log="$dir/time.$$.log"
  sync
  if ! /usr/bin/time -v "$@" >"$dir/out.$$.log" 2>"$log"; then
    echo "$label FAILED:"; tail -20 "$dir/out.$$.log" "$log"; exit 1
  fi
  LAST_S=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  LAST_MIB=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  printf "%-28s %8.2f s  %7s MiB peak RSS\n" "$label" "$LAST_S" "$LAST_MIB"
}

echo "input: $(du -h "$csv" | cut -f1) plain, $(du -h "$gz" | cut -f1) gzip, $rows rows, $(nproc) cores"
for input in "$csv" "$gz"; do
  kind=$([ "$input" = "$gz" ] && echo "csv.gz" || echo "csv")
  measure "wordviews run ($kind)" "$wv" run --traces "$input" --out "$dir/wv_out_$kind" --quiet
  wv_s=$LAST_S; wv_mib=$LAST_MIB
  if [ "${WV_BENCH_SKIP_DUCKDB:-0}" != 1 ]; then
    measure "duckdb etl ($kind)" python3 "$here/duckdb_etl.py" --traces "$input" --out "$dir/duck_out_$kind"
    awk -v a="$LAST_S" -v b="$wv_s" -v ma="$LAST_MIB" -v mb="$wv_mib" \
      'BEGIN {printf "  => wordviews is %.1fx faster than DuckDB, using %.2fx its memory\n", a/b, mb/ma}'
  fi
  rm -rf "$dir/wv_out_$kind" "$dir/duck_out_$kind"
done
