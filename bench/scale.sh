#!/usr/bin/env bash
# Scale: `generate --out - | run --traces -` at 1x and 10x the real file's rows
# (WV_BENCH_SCALES="1 10" by default; e.g. "1 2 4"), with the run's peak RSS
# (/usr/bin/time -v of the run alone), CPU seconds and rows/s. No input file is
# needed. Memory must stay flat: the run spills past --memory-limit (default 1G).
#   bash bench/scale.sh build/bin           1x and 10x
#   bash bench/scale.sh build/bin --100x    1x, 10x and 100x (1.285 billion rows: hours on
#                                           2 cores, and ~130 GB free for the spill folder
#                                           and the output; WV_BENCH_DIR chooses where;
#                                           WV_BENCH_SCALES=100 without --100x runs 100x alone)
# Each run's RSS is also sampled every second into rss_<n>x.txt (seconds, KiB) beside the
# timings, to see what grows when.
set -euo pipefail
bin_dir="$1"
wv="$bin_dir/wordviews"
base_rows="${WV_BENCH_ROWS:-12854226}"
scales="${WV_BENCH_SCALES:-1 10}"
if [[ "${2:-}" == "--100x" ]]; then scales="1 10 100"; fi
work="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}/scale"
mkdir -p "$work"
# Samples the VmRSS of the newest `wordviews run` every second until it ends.
sample_rss() {
  local out="$1" t0="$2" pid=""
  : >"$out"
  for _ in $(seq 50); do
    pid=$(pgrep -n -f "wordviews run --traces - --out $work/out_" || true)
    [[ -n "$pid" ]] && break
    sleep 0.1
  done
  [[ -z "$pid" ]] && return 0
  while [[ -r /proc/$pid/status ]]; do
    awk -v t="$(date +%s.%N)" -v t0="$t0" '/VmRSS/ {printf "%.0f %s\n", t - t0, $2}' \
      "/proc/$pid/status" >>"$out" 2>/dev/null || true
    sleep 1
  done
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %12s %9s %9s %12s %10s\n' scale rows wall_s cpu_s rows_per_s peak_MiB
for n in $scales; do
  rows=$((base_rows * n))
  timing="$work/time_${n}x.txt"
  start=$(date +%s.%N)
  "$wv" generate --rows "$rows" --seed 42 --out - --quiet |
    /usr/bin/time -v -o "$timing" "$wv" run --traces - --out "$work/out_${n}x" --quiet ${WV_BENCH_RUN_ARGS:-} &
  run_pid=$!
  sample_rss "$work/rss_${n}x.txt" "$start" &
  sampler=$!
  wait "$run_pid"
  kill "$sampler" 2>/dev/null || true
  end=$(date +%s.%N)
  user=$(awk -F': ' '/User time/ {print $2}' "$timing")
  sys=$(awk -F': ' '/System time/ {print $2}' "$timing")
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$timing")
  awk -v n="$n" -v rows="$rows" -v s="$start" -v e="$end" -v u="$user" -v y="$sys" -v r="$rss" \
    'BEGIN { w = e - s; printf "%-6s %12d %9.1f %9.1f %12.0f %10.0f\n", n "x", rows, w, u + y, rows / w, r / 1024 }'
  rm -rf "$work/out_${n}x"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
