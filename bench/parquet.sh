#!/usr/bin/env bash
# Parquet writer benchmark: a 12.85M-row fact_wordviews-like table written by
# wordviews' writer and by pyarrow (same data, same codec, same row-group size,
# same run); prints time and file size for both and their ratios.
#   bench/parquet.sh BIN_DIR [rows] [codec]
set -euo pipefail
bin_dir="$(cd "${1:-build/bin}" && pwd)"
rows="${2:-${WV_BENCH_ROWS:-12854226}}"
codec="${3:-zstd}"
work="$(mktemp -d "${TMPDIR:-/tmp}/wv-parquet-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "parquet: writing $rows fact rows ($codec) with wordviews..."
ours_json="$("$bin_dir/parquet_bench_tool" "$work/wordviews.parquet" "$rows" "$codec")"

python3 - "$work" "$codec" "$ours_json" <<'PY'
import json, os, sys, time
import pyarrow.parquet as pq

work, codec, ours = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
ours_path = os.path.join(work, "wordviews.parquet")
# Same data for pyarrow: our file, read once into an Arrow table (not timed).
table = pq.read_table(ours_path)
assert table.num_rows == ours["rows"]
pa_path = os.path.join(work, "pyarrow.parquet")
start = time.perf_counter()
pq.write_table(table, pa_path, compression=codec, row_group_size=1 << 20)
pa_seconds = time.perf_counter() - start
pa_bytes = os.path.getsize(pa_path)
# The two files must hold the same values.
assert pq.read_table(pa_path).equals(table)

rows = ours["rows"]
print(f"parquet write, {rows} rows, {codec}:")
print(f"  wordviews  {ours['seconds']:8.2f} s  {ours['bytes'] / 1e6:9.1f} MB  "
      f"({rows / ours['seconds'] / 1e6:.2f} M rows/s, {ours['threads']} encode threads)")
print(f"  pyarrow    {pa_seconds:8.2f} s  {pa_bytes / 1e6:9.1f} MB  "
      f"({rows / pa_seconds / 1e6:.2f} M rows/s)")
print(f"  ratio wordviews/pyarrow: time {ours['seconds'] / pa_seconds:.2f}, "
      f"size {ours['bytes'] / pa_bytes:.3f}  (target: time <= 1.00, size <= 1.10)")
PY
