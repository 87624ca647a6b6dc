#!/usr/bin/env bash
# Benchmark of `wordviews run --append` (issue 12): appending the 14th day to an output of 13 days
# against its fair peer, a fresh `wordviews run` over that day alone, in the same run (time and peak
# memory, /usr/bin/time -v). The target: the append costs at most 1.5x the fresh run.
# Generates $WV_BENCH_ROWS rows over 14 days (2% defects), split by UTC day.
# usage: bench/append.sh BIN_DIR   (env: WV_BENCH_ROWS, WV_BENCH_DIR, WV_BENCH_REPEAT (3))
set -euo pipefail
bin_dir="$1"
wv="$bin_dir/wordviews"
rows="${WV_BENCH_ROWS:-12854226}"
repeat="${WV_BENCH_REPEAT:-3}"
dir="${WV_BENCH_DIR:-$(mktemp -d /tmp/wordviews-bench.XXXXXX)}/append"
mkdir -p "$dir"

if [ "$(cat "$dir/days.rows" 2>/dev/null)" != "$rows" ]; then
  echo "generating $rows rows over 14 days -> $dir/day-*.csv" >&2
  "$wv" generate --rows "$rows" --days 14 --dirty-rate 0.02 --seed 42 --out "$dir/all.csv" --quiet
  rm -f "$dir"/day-*.csv
  # By UTC day of the timestamp (column 2); rows whose timestamp is not a number go with the
  # previous day's (they are rejected either way).
  awk -F, -v dir="$dir" 'NR == 1 { header = $0; next }
    { if ($2 ~ /^[0-9]+$/) day = int($2 / 86400); if (day == "") day = 0
      f = dir "/day-" day ".csv"
      if (!(f in seen)) { seen[f] = 1; print header > f }
      print > f }' "$dir/all.csv"
  rm -f "$dir/all.csv"
  echo "$rows" > "$dir/days.rows"
fi
# The 14 real days are the files holding at least 1% of the rows each (the defects' out-of-range
# timestamps make a few small files of other "days": they go with the history). The appended day
# is the last real one; the history is every other file.
mapfile -t files < <(ls "$dir"/day-*.csv | sort -V)
last=""
for f in "${files[@]}"; do
  if [[ "$(basename "$f")" =~ ^day-[0-9]+\.csv$ ]] && [ "$(wc -l < "$f")" -gt $((rows / 100)) ]; then
    last="$f"
  fi
done
history=()
for f in "${files[@]}"; do [ "$f" = "$last" ] || history+=("$f"); done
echo "history: ${#history[@]} files, $(($(cat "${history[@]}" | wc -l) - ${#history[@]})) rows;" \
  "appended: $(basename "$last") ($(($(wc -l < "$last") - 1)) rows)"
rm -rf "$dir/history"
"$wv" run --traces "${history[@]}" --out "$dir/history" --quiet

measure() {  # LABEL CMD... -> LAST_S, LAST_MIB
  local label="$1"
  shift
  sync
  if ! /usr/bin/time -v "$@" >"$dir/out.log" 2>"$dir/time.log"; then
    echo "$label FAILED:"; tail -n 20 "$dir/out.log" "$dir/time.log"; exit 1
  fi
  LAST_S=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$dir/time.log")
  LAST_MIB=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$dir/time.log")
  printf "%-44s %8.2f s wall %7s MiB peak RSS\n" "$label" "$LAST_S" "$LAST_MIB"
}

for i in $(seq "$repeat"); do
  rm -rf "$dir/appended" "$dir/fresh"
  cp -a "$dir/history" "$dir/appended"  # each append starts from the same 13 days
  measure "wordviews run --append (day 14 onto 13)" "$wv" run --traces "$last" --out "$dir/appended" --append --quiet
  a_s=$LAST_S a_mib=$LAST_MIB
  measure "wordviews run (day 14 alone, fresh)" "$wv" run --traces "$last" --out "$dir/fresh" --quiet
  awk -v a="$a_s" -v b="$LAST_S" -v ma="$a_mib" -v mb="$LAST_MIB" \
    'BEGIN {printf "  => append / fresh: wall %.2fx, peak RSS %.2fx (target: at most 1.5x)\n", a/b, ma/mb}'
done
"$wv" check "$dir/appended" | tail -1
