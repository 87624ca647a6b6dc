#!/usr/bin/env bash
# `make bench` part: `wordviews load --append` of the 14th day onto a warehouse holding 13 days,
# against a full `wordviews load` of the same 14-day output, on the same server in the same run
# (bench/load_append_bench.py). $WV_BENCH_ROWS rows (default 12,854,226) over 14 day files of
# `generate --days 1` (1% defects); the 13 days by one `run --appendable`, the 14th by
# `run --append`, as the daily script does.
# usage: bench/load_append.sh BIN_DIR   (env: WV_BENCH_ROWS, WV_BENCH_DIR, WV_BENCH_REPEAT (2))
set -euo pipefail
bin_dir="$1"
wv="$bin_dir/wordviews"
here="$(cd "$(dirname "$0")" && pwd)"
rows="${WV_BENCH_ROWS:-12854226}"
dir="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}/load-append"
mkdir -p "$dir"
if [ "$(cat "$dir/days.rows" 2>/dev/null)" != "$rows" ]; then
  for i in $(seq 0 13); do
    "$wv" generate --rows $((rows / 14)) --seed $((100 + i)) --days 1 --dirty-rate 0.01 \
      --start "$(date -u -d "2013-02-28 + $i day" +%F)" --out "$dir/day-$i.csv" --quiet
  done
  rm -rf "$dir/history"
  "$wv" run --traces $(for i in $(seq 0 12); do echo "$dir/day-$i.csv"; done) \
    --out "$dir/history" --appendable --quiet
  echo "$rows" > "$dir/days.rows"
fi
python3 "$here/load_append_bench.py" "$wv" "$dir" "${WV_BENCH_REPEAT:-2}"
