#!/usr/bin/env bash
# clang-format --dry-run --Werror over every C++ file git tracks; the style is
# the repository's .clang-format. Lists the files that differ and fails if any do
# (`make format` rewrites them).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -- '*.cc' '*.h' '*.cpp' '*.hpp')
[ ${#files[@]} -gt 0 ] || { echo "format-check: no C++ files"; exit 1; }
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" > /dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  printf 'format-check: %s\n' "${bad[@]}"
  echo "format-check: ${#bad[@]} of ${#files[@]} C++ files differ from .clang-format (make format fixes them)"
  exit 1
fi
echo "format-check: ${#files[@]} C++ files match .clang-format"
