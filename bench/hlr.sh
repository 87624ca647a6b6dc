#!/usr/bin/env bash
# `wordviews hlr` (half-life regression, docs/HLR.md): WV_BENCH_ROWS rows train + evaluate, then a
# 1M-row sample side by side with the tests' numpy implementation (tests/e2e/hlr_oracle.py) and a
# pure-Python one written to the reference algorithm (bench/hlr_pure_python.py). Wall and CPU
# seconds and peak memory from /usr/bin/time; the stages from hlr.json.
# usage: bench/hlr.sh BIN_DIR
set -euo pipefail
bin_dir="${1:-build/bin}"
here="$(cd "$(dirname "$0")" && pwd)"
rows="${WV_BENCH_ROWS:-12854226}"
dir="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
python="${PYTHON:-python3}"
full="$dir/hlr_traces.csv"
sample="$dir/hlr_sample_1m.csv"
[ -f "$full" ] || "$bin_dir/wordviews" generate --rows "$rows" --out "$full" -q
head -n 1000001 "$full" > "$sample"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# One measured command: wall, CPU and peak RSS.
measure() {
  local label="$1"
  shift
  /usr/bin/time -f "$label: %e s wall, %U s user + %S s sys, peak %M KB" "$@"
}
# The stages of an hlr run, from its hlr.json.
stages() {
  "$python" -c 'import json,sys; j=json.load(open(sys.argv[1]));
s=j["seconds"]; m=j["models"][0]
print("  stages: read %.2f s, shuffle %.2f s, train %.2f s (%.2f CPU-s), evaluate %.2f s; train+evaluate %.2f s wall" % (
  s["load"], s["shuffle"], s["train"], m["train_cpu_seconds"], s["evaluate"], s["shuffle"] + s["train"] + s["evaluate"]))
print("  metrics: mae_p %.4f auc %.4f cor_h %.4f" % (m["metrics"]["mae_p"], m["metrics"]["auc"], m["metrics"]["cor_h"]))' "$1"
}

echo "== $rows rows: wordviews hlr (read + validate + train + evaluate), 2 threads"
rm -rf "$dir/hlr_out"
measure "wordviews hlr" "$bin_dir/wordviews" hlr --traces "$full" --threads 2 --out "$dir/hlr_out" -q > /dev/null
stages "$dir/hlr_out/hlr.json"
rm -rf "$dir/hlr_all"
measure "wordviews hlr --method all" "$bin_dir/wordviews" hlr --traces "$full" --method all --threads 2 --out "$dir/hlr_all" -q > /dev/null
stages "$dir/hlr_all/hlr.json"

echo "== 1,000,000-row sample"
rm -rf "$dir/hlr_sample_out"
measure "wordviews hlr" "$bin_dir/wordviews" hlr --traces "$sample" --threads 2 --out "$dir/hlr_sample_out" -q > /dev/null
stages "$dir/hlr_sample_out/hlr.json"
measure "numpy (tests/e2e/hlr_oracle.py)" "$python" "$here/hlr_numpy.py" "$sample"
measure "pure Python (bench/hlr_pure_python.py)" "$python" "$here/hlr_pure_python.py" "$sample"
