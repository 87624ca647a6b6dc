#!/usr/bin/env bash
# The three engines side by side, in one session, on the same $WV_BENCH_ROWS generated clean rows
# (issue 13): `wordviews run`, the plain DuckDB script (bench/duckdb_etl.py --reader plain: read_csv,
# DISTINCT, the five tables to ZSTD Parquet) and the original notebook's ETL in PySpark local[2]
# (bench/spark_notebook_etl.py, run by spark-submit so that its JVM -- the parent of the Python driver
# and workers -- is the timed process's child). Each is timed by /usr/bin/time -v: wall, CPU seconds
# (user + sys of the process and every child it waited for) and peak RSS (of the largest single process:
# for Spark the JVM, not the JVM plus its Python workers). Prints the ratios peer / wordviews.
# usage: bench/peers.sh BIN_DIR   (env: WV_BENCH_ROWS, WV_BENCH_DIR, WV_BENCH_SKIP_SPARK=1,
#                                  WV_BENCH_SKIP_DUCKDB=1, WV_BENCH_SPARK_ARGS for the script)
set -euo pipefail
bin_dir="$1"
here="$(cd "$(dirname "$0")" && pwd)"
wv="$bin_dir/wordviews"
rows="${WV_BENCH_ROWS:-12854226}"
dir="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
mkdir -p "$dir"
python="$(command -v python3)"

# The clean input, shared with bench/run.sh (same name, seed and row count).
input="$dir/run_clean.csv"
if [ ! -f "$input" ] || [ "$(cat "$input.rows" 2>/dev/null)" != "$rows" ]; then
  echo "generating $rows clean rows -> $input" >&2
  "$wv" generate --rows "$rows" --dirty-rate 0 --seed 42 --out "$input" --quiet
  echo "$rows" > "$input.rows"
fi

# measure LABEL CMD...: bench/measure.sh
. "$here/measure.sh"

# ratio LABEL -> the last measurement over wordviews'
ratio() {
  awk -v l="$1" -v a="$LAST_S" -v b="$WV_S" -v ca="$LAST_CPU" -v cb="$WV_CPU" -v ma="$LAST_MIB" -v mb="$WV_MIB" \
    'BEGIN {printf "  => %s / wordviews: wall %.1fx, CPU %.1fx, peak RSS %.2fx\n", l, a/b, ca/cb, ma/mb}'
}

echo "$rows clean rows ($(stat -c %s "$input") bytes), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure "wordviews run" "$wv" run --traces "$input" --out "$dir/peer_wv" --quiet
WV_S=$LAST_S WV_CPU=$LAST_CPU WV_MIB=$LAST_MIB
rm -rf "$dir/peer_wv"

if [ "${WV_BENCH_SKIP_DUCKDB:-0}" != 1 ]; then
  measure "duckdb script (read_csv, plain)" "$python" "$here/duckdb_etl.py" --reader plain \
    --traces "$input" --out "$dir/peer_duck"
  ratio DuckDB
  rm -rf "$dir/peer_duck"
fi

spark_submit="$(dirname "$python")/spark-submit"
if [ "${WV_BENCH_SKIP_SPARK:-0}" = 1 ]; then
  echo "spark: skipped (WV_BENCH_SKIP_SPARK=1)"
elif [ ! -x "$spark_submit" ] || ! command -v java >/dev/null; then
  echo "spark: skipped (no $spark_submit or no java; \`make setup\` installs pyspark from scripts/requirements-test.txt)"
else
  # Loopback only; the venv's python for the driver and the workers.
  # (No web UI: it is no part of the ETL and would take a port.)
  measure "spark notebook ETL (local[2])" env SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON="$python" \
    PYSPARK_DRIVER_PYTHON="$python" "$spark_submit" --master 'local[2]' --driver-memory 4G \
    --conf spark.ui.enabled=false "$here/spark_notebook_etl.py" --traces "$input" \
    --out "$dir/peer_spark" ${WV_BENCH_SPARK_ARGS:-}
  ratio "Spark notebook"
  rm -rf "$dir/peer_spark"
fi
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
