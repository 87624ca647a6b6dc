#!/usr/bin/env bash
# S3 in and out (loopback versitygw) against local disk, same run, same file (bench/s3_bench.py).
set -euo pipefail
bin_dir="$1"
here="$(cd "$(dirname "$0")" && pwd)"
rows="${WV_BENCH_ROWS:-12854226}"
dir="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
traces="$dir/traces-$rows.csv.gz"
[ -f "$traces" ] || "$bin_dir/wordviews" generate --rows "$rows" --out "$traces" --seed 1
work="$(mktemp -d "$dir/s3.XXXXXX")"
python3 "$here/s3_bench.py" "$bin_dir/wordviews" "$traces" "$work" "${WV_BENCH_S3_REPEATS:-2}"
rm -rf "$work"
