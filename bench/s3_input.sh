#!/usr/bin/env bash
# Benchmark of `wordviews run` reading its traces from S3 against the same run reading the same file from
# the local disk (both writing a local output), side by side in the same run, on $WV_BENCH_ROWS generated
# rows (plain CSV): S3 is a versitygw on loopback (built by `make setup`), started here on a free port with
# random keys; the object is uploaded with boto3. The two runs alternate (A B A B ...) so that drift on a
# shared machine hits both alike; prints the median wall and CPU seconds, the ratio to the local run, the
# server's CPU, and the S3 traffic of a run (wordviews' summary line: requests, retries, bytes).
# (S3 in and out together: bench/s3.sh.)
# usage: bench/s3_input.sh BIN_DIR   (env: WV_BENCH_ROWS, WV_BENCH_DIR, WV_BENCH_S3_RUNS (default 3), WV_VERSITYGW)
set -euo pipefail
bin_dir="$1"
wv="$bin_dir/wordviews"
rows="${WV_BENCH_ROWS:-12854226}"
runs="${WV_BENCH_S3_RUNS:-3}"
dir="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}"
versitygw="${WV_VERSITYGW:-$HOME/.cache/wordviews/tools/versitygw-v1.8.0/versitygw}"
python="${WV_PYTHON:-python3}"
if [ ! -x "$versitygw" ]; then
  echo "bench/s3_input.sh: versitygw not found at $versitygw (run make setup); skipped"
  exit 0
fi
mkdir -p "$dir"
csv="$dir/s3_traces.csv"
if [ ! -f "$csv" ] || [ "$(cat "$csv.rows" 2>/dev/null)" != "$rows" ]; then
  echo "generating $rows rows -> $csv"
  "$wv" generate --rows "$rows" --seed 7 --out "$csv" --quiet
  echo "$rows" > "$csv.rows"
fi

# The server: a free port, random root keys, its own data folder (removed at the end).
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID="AKBENCH$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export AWS_SECRET_ACCESS_KEY="$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)"
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$port" AWS_REGION=us-east-1
mkdir -p "$dir/s3data"
ROOT_ACCESS_KEY="$AWS_ACCESS_KEY_ID" ROOT_SECRET_KEY="$AWS_SECRET_ACCESS_KEY" \
  "$versitygw" --port "127.0.0.1:$port" --quiet posix "$dir/s3data" >"$dir/versitygw.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir/s3data"' EXIT
for _ in $(seq 100); do
  curl -s -o /dev/null "$AWS_ENDPOINT_URL_S3/" && break
  sleep 0.1
done
"$python" - "$csv" <<'EOF'
import os, sys, boto3
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL_S3"], region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}))
s3.create_bucket(Bucket="bench")
s3.upload_file(sys.argv[1], "bench", "in/traces.csv")
EOF

# median of the values on stdin
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# The server's CPU seconds so far (its share of an S3 run's cost, not in wordviews' own figures).
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$server/stat"; }

declare -A wall cpu srv
labels=(local s3_in)
for _ in $(seq "$runs"); do
  for label in "${labels[@]}"; do
    case $label in
      local) args=(--traces "$csv" --out "$dir/s3bench_local") ;;
      s3_in) args=(--traces s3://bench/in/traces.csv --out "$dir/s3bench_s3in") ;;
    esac
    sync
    before=$(server_cpu)
    /usr/bin/time -f "%e %U %S" -o "$dir/time.log" "$wv" run "${args[@]}" >"$dir/run_$label.log" 2>"$dir/run_$label.err"
    srv[$label]+="$(awk -v a="$before" -v b="$(server_cpu)" 'BEGIN {print b - a}') "
    read -r w u s < "$dir/time.log"
    wall[$label]+="$w "
    cpu[$label]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u+s}') "
  done
done
echo "input: $(du -h "$csv" | cut -f1), $rows rows, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $runs runs each"
base_wall=$(tr ' ' '\n' <<<"${wall[local]}" | grep . | median)
base_cpu=$(tr ' ' '\n' <<<"${cpu[local]}" | grep . | median)
for label in "${labels[@]}"; do
  w=$(tr ' ' '\n' <<<"${wall[$label]}" | grep . | median)
  c=$(tr ' ' '\n' <<<"${cpu[$label]}" | grep . | median)
  v=$(tr ' ' '\n' <<<"${srv[$label]}" | grep . | median)
  awk -v l="$label" -v w="$w" -v c="$c" -v v="$v" -v bw="$base_wall" -v bc="$base_cpu" \
    'BEGIN {printf "%-10s wall %7.2f s (%.2fx local)   cpu %7.2f s (%.2fx local)   server cpu %5.2f s\n", l, w, w/bw, c, bc ? c/bc : 0, v}'
done
for label in s3_in; do
  echo "$label: $(grep 's3 traffic' "$dir/run_$label.log" | sed 's/^ *//')"
done
rm -rf "$dir/s3bench_local" "$dir/s3bench_s3in"
