#!/usr/bin/env bash
# `make bench`: runs every benchmark script in turn. $1 = directory of the built binaries.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin_dir="${1:-build/bin}"
bash "$here/parquet.sh" "$bin_dir"
