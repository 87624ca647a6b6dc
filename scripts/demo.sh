#!/usr/bin/env bash
# `make demo`: generate a realistic sample, run the whole job on it, and show what it produced.
set -euo pipefail
wv="$1"
out="$2"
rows="${WV_DEMO_ROWS:-1000000}"
mkdir -p "$out"
sample="$out/learning_traces.csv.gz"

echo "== 1. generate: $rows synthetic learning traces (2% injected defects) -> $sample"
"$wv" generate --rows "$rows" --dirty-rate 0.02 --seed 7 --out "$sample"

echo
echo "== 2. run: validate, quarantine, star schema, quality checks, Parquet -> $out/warehouse"
"$wv" run --traces "$sample" --out "$out/warehouse" --report

echo
echo "== 3. check: re-read the Parquet files and verify them against the manifest"
"$wv" check "$out/warehouse"

echo
echo "== 4. answers to the research questions"
for q in pair-users pair-views retention-pairs retention-ui time-of-day-test; do
  echo "-- wordviews query $out/warehouse $q"
  "$wv" query "$out/warehouse" "$q"
  echo
done

echo "== done"
echo "tables:  $out/warehouse/{fact_wordviews,dim_users,dim_times,dim_langs,dim_words,quarantine}"
echo "manifest: $out/warehouse/_manifest.json"
echo "report:  $(cd "$out/warehouse" && pwd)/report.html"
