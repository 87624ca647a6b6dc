#!/usr/bin/env bash
# stamp.sh STAMP INPUT... -- COMMAND...
#
# Runs COMMAND unless it already passed with exactly these inputs. The key is the
# SHA-256 of: every INPUT (a file, or every file under a folder, by path and
# content; an INPUT with '=' in it is a literal, e.g. an option's value), the
# COMMAND line itself, the installed Debian packages and their versions (the
# shared libraries, compilers and browsers the tests use), and the environment
# variables that steer the tests (WV_*, *SAN_OPTIONS, GTEST_*, PYTEST_*). After
# COMMAND succeeds the key is written to STAMP; a failing run leaves no stamp.
# WV_FORCE=1 runs COMMAND whatever the stamp says.
#
# A skip therefore means: the same binaries, the same tests, the same tools, the
# same options -- a re-run could only repeat the last pass. Nothing is skipped
# on a guess that a change "probably" does not matter.
set -euo pipefail
stamp="$1"
shift
inputs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  inputs+=("$1")
  shift
done
[ "${1:-}" = "--" ] || { echo "stamp.sh: usage: stamp.sh STAMP INPUT... -- COMMAND..." >&2; exit 2; }
shift
[ $# -gt 0 ] || { echo "stamp.sh: no command" >&2; exit 2; }

key() {
  local input
  for input in "${inputs[@]}"; do
    if [[ "$input" == *=* ]]; then
      printf 'literal %s\n' "$input"
    elif [ -d "$input" ]; then
      find "$input" -type f -not -path '*/__pycache__/*' -not -name '*.pyc' | LC_ALL=C sort |
        while read -r f; do
        printf 'file %s %s\n' "$f" "$(sha256sum < "$f" | cut -d' ' -f1)"
      done
    elif [ -f "$input" ]; then
      printf 'file %s %s\n' "$input" "$(sha256sum < "$input" | cut -d' ' -f1)"
    else
      echo "stamp.sh: input $input does not exist" >&2
      return 1
    fi
  done
  printf 'command'
  printf ' %q' "$@"
  printf '\n'
  dpkg-query -W -f='${Package} ${Version}\n' 2>/dev/null | LC_ALL=C sort
  env | LC_ALL=C sort | grep -E '^(WV_|ASAN_|UBSAN_|TSAN_|LSAN_|GTEST_|PYTEST_)' | grep -v '^WV_FORCE=' || true
}

want="$(key "$@" | sha256sum | cut -d' ' -f1)"
name="$(basename "$stamp")"
if [ "${WV_FORCE:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "stamp: $name: passed before with byte-identical inputs (${want:0:12}); not re-run (WV_FORCE=1 re-runs)"
  exit 0
fi
rm -f "$stamp"
"$@"
mkdir -p "$(dirname "$stamp")"
echo "$want" > "$stamp"
