#!/usr/bin/env bash
# run_gtest_shards.sh N BINARY [gtest flags...]
#
# Runs a gtest binary as N shards at once (GTEST_TOTAL_SHARDS), one process each,
# from the binary's build folder (where ctest would run it). Under a sanitizer a
# process per test, as ctest runs them, spends most of its time starting up;
# N shards keep N cores busy with one start-up each. Each shard's output goes to
# a log that is printed in full when the shard fails; the step fails when any
# shard does, or when the shards together ran no test.
set -euo pipefail
shards="$1"
binary="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
shift 2
[ "$shards" -ge 1 ] || shards=1
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
cd "$(dirname "$(dirname "$binary")")"
pids=()
for ((i = 0; i < shards; i++)); do
  GTEST_TOTAL_SHARDS="$shards" GTEST_SHARD_INDEX="$i" "$binary" --gtest_brief=1 "$@" \
    > "$logs/$i.log" 2>&1 &
  pids+=($!)
done
failed=0
total=0
for ((i = 0; i < shards; i++)); do
  if wait "${pids[$i]}"; then
    status=0
  else
    status=$?
  fi
  ran="$(sed -n 's/^\[==========\] \([0-9]*\) tests\{0,1\} from .* ran\..*/\1/p' "$logs/$i.log" | tail -n 1)"
  total=$((total + ${ran:-0}))
  if [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    echo "---- $(basename "$binary") shard $i of $shards failed (exit $status):"
    cat "$logs/$i.log"
  fi
done
name="$(basename "$binary")"
if [ "$failed" -ne 0 ]; then
  echo "$name: $failed of $shards shards failed"
  exit 1
fi
if [ "$total" -eq 0 ]; then
  echo "$name: ran no test"
  exit 1
fi
echo "$name: $shards shards"
echo "$name: $total passed, 0 failed"
