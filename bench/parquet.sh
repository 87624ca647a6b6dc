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
start = time.perf_counter()
table = pq.read_table(ours_path, use_threads=False)
pa_read_seconds = time.perf_counter() - start
assert table.num_rows == ours["rows"]
pa_path = os.path.join(work, "pyarrow.parquet")
start, cpu_start = time.perf_counter(), time.process_time()
pq.write_table(table, pa_path, compression=codec, row_group_size=1 << 20)
pa_seconds = time.perf_counter() - start
pa_cpu = time.process_time() - cpu_start
pa_bytes = os.path.getsize(pa_path)
# The two files must hold the same values.
assert pq.read_table(pa_path).equals(table)

rows = ours["rows"]
print(f"parquet write, {rows} rows, {codec}:")
print(f"  wordviews  {ours['seconds']:8.2f} s wall {ours['cpu_seconds']:8.2f} s cpu "
      f"{ours['bytes'] / 1e6:9.1f} MB  ({rows / ours['seconds'] / 1e6:.2f} M rows/s, "
      f"{ours['threads']} encode threads)")
print(f"  pyarrow    {pa_seconds:8.2f} s wall {pa_cpu:8.2f} s cpu "
      f"{pa_bytes / 1e6:9.1f} MB  ({rows / pa_seconds / 1e6:.2f} M rows/s)")
print(f"  ratio wordviews/pyarrow: time {ours['seconds'] / pa_seconds:.2f} "
      f"(cpu {ours['cpu_seconds'] / pa_cpu:.2f}), size {ours['bytes'] / pa_bytes:.3f}  "
      f"(target: time <= 1.00, size <= 1.10)")
print(f"parquet read of the wordviews file, all columns, one thread: wordviews "
      f"{ours['read_seconds']:.2f} s, pyarrow {pa_read_seconds:.2f} s")
PY
