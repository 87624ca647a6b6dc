#!/usr/bin/env bash
# Benchmark of `wordviews run --append` (issue 12): appending one day to a 14-day output against its
# fair peer, a fresh `wordviews run` over that day alone, in the same run (time and peak memory,
# /usr/bin/time -v). The target: the append costs at most 1.5x the fresh run, in both.
# Generates $WV_BENCH_ROWS rows over 15 days (2% defects), split by UTC day. The appended day is one
# of the 15 real days (WV_BENCH_DAY: "median", the default, the day of median size, a typical daily
# file; or "last", the generator's last day, whose users are winding down and which is small); the
# history (built once with `run --appendable`) is the 14 other real days and the few rows the
# defects put on out-of-range "days".
# usage: bench/append.sh BIN_DIR
#   (env: WV_BENCH_ROWS, WV_BENCH_DIR, WV_BENCH_REPEAT (3), WV_BENCH_DAY (median|last))
set -euo pipefail
bin_dir="$1"
wv="$bin_dir/wordviews"
rows="${WV_BENCH_ROWS:-12854226}"
repeat="${WV_BENCH_REPEAT:-3}"
which_day="${WV_BENCH_DAY:-median}"
dir="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}/append"
mkdir -p "$dir"

if [ "$(cat "$dir/days.rows" 2>/dev/null)" != "$rows 15" ]; then
  echo "generating $rows rows over 15 days -> $dir/day-*.csv" >&2
  "$wv" generate --rows "$rows" --days 15 --dirty-rate 0.02 --seed 42 --out "$dir/all.csv" --quiet
  rm -f "$dir"/day-*.csv
  # By UTC day of the timestamp (column 2); rows whose timestamp is not a number go with the
  # previous day's (they are rejected either way).
  awk -F, -v dir="$dir" 'NR == 1 { header = $0; next }
    { if ($2 ~ /^[0-9]+$/) day = int($2 / 86400); if (day == "") day = 0
      f = dir "/day-" day ".csv"
      if (!(f in seen)) { seen[f] = 1; print header > f }
      print > f }' "$dir/all.csv"
  rm -f "$dir/all.csv" "$dir/history.done"
  echo "$rows 15" > "$dir/days.rows"
fi
# The 15 real days are the files holding at least 0.5% of the rows each (the defects' out-of-range
# timestamps make a few small files of other "days": they go with the history).
mapfile -t files < <(ls "$dir"/day-*.csv | sort -V)
real=()
for f in "${files[@]}"; do
  n=$(($(wc -l < "$f") - 1))
  if [[ "$(basename "$f")" =~ ^day-[0-9]+\.csv$ ]] && [ "$n" -gt $((rows / 200)) ]; then
    real+=("$n $f")
  fi
done
if [ "$which_day" = last ]; then
  day="${real[-1]#* }"
else
  day=$(printf '%s\n' "${real[@]}" | sort -n | sed -n "$(((${#real[@]} + 1) / 2))p" | cut -d' ' -f2)
fi
history=()
for f in "${files[@]}"; do [ "$f" = "$day" ] || history+=("$f"); done
echo "history: ${#real[@]} real days less one, ${#history[@]} files," \
  "$(($(cat "${history[@]}" | wc -l) - ${#history[@]})) rows; appended ($which_day day):" \
  "$(basename "$day") ($(($(wc -l < "$day") - 1)) rows)"
if [ "$(cat "$dir/history.done" 2>/dev/null)" != "$day" ]; then
  rm -rf "$dir/history"
  "$wv" run --traces "${history[@]}" --out "$dir/history" --appendable --quiet
  echo "$day" > "$dir/history.done"
fi

# measure LABEL CMD...: bench/measure.sh
. "$(cd "$(dirname "$0")" && pwd)/measure.sh"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$repeat"); do
  rm -rf "$dir/appended" "$dir/fresh"
  cp -a "$dir/history" "$dir/appended"  # each append starts from the same 14 days
  measure "wordviews run --append (1 day onto 14)" "$wv" run --traces "$day" --out "$dir/appended" --append --quiet
  a_s=$LAST_S a_mib=$LAST_MIB a_cpu=$LAST_CPU
  measure "wordviews run (that day alone, fresh)" "$wv" run --traces "$day" --out "$dir/fresh" --quiet
  awk -v a="$a_s" -v b="$LAST_S" -v ma="$a_mib" -v mb="$LAST_MIB" -v ca="$a_cpu" -v cb="$LAST_CPU" \
    'BEGIN {printf "  => append / fresh: wall %.2fx, CPU %.2fx, peak RSS %.2fx (target: at most 1.5x)\n", a/b, ca/cb, ma/mb}'
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for out in appended fresh; do
  echo "the last $out run's stages (seconds, from its manifest):"
  python3 -c 'import json,sys; print("  " + ", ".join("%s %.2f" % (s["stage"], s["seconds"]) for s in json.load(open(sys.argv[1]))["stages"]))' "$dir/$out/_manifest.json" || true
done
"$wv" check "$dir/appended" | tail -1
