# Sourced by the bench scripts: one way to time a command as a whole process.
#
# measure LABEL CMD... runs CMD under /usr/bin/time -v with its output in
# $dir/out.PID.log (the caller sets $dir), exits the script with both logs'
# tails when CMD fails, prints one line (wall seconds, CPU seconds = user + sys
# of the process and every child it waited for, peak RSS of the largest single
# process, the load average at its end) and sets LAST_S, LAST_CPU and LAST_MIB.
measure() {
  local label="$1"
  shift
  local log="$dir/time.$$.log"
  sync
  if ! /usr/bin/time -v "$@" >"$dir/out.$$.log" 2>"$log"; then
    echo "$label FAILED:"; tail -n 30 "$dir/out.$$.log" "$log"; exit 1
  fi
  LAST_S=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  LAST_CPU=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$log")
  LAST_MIB=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  printf "%-40s %8.2f s wall %8.2f s CPU %7s MiB peak RSS  (load %s)\n" "$label" "$LAST_S" "$LAST_CPU" \
    "$LAST_MIB" "$(cut -d' ' -f1 /proc/loadavg)"
}
