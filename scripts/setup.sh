#!/usr/bin/env bash
# Installs everything wordviews needs to build, test and benchmark, on a fresh
# Debian 12 machine, as root. Idempotent: a second run installs nothing.
set -euo pipefail

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ccache
  zlib1g-dev libzstd-dev libsnappy-dev libisal-dev libcurl4-openssl-dev libpq-dev
  libabsl-dev libfmt-dev libcli11-dev nlohmann-json3-dev libsimdjson-dev libfast-float-dev
  libgtest-dev libbenchmark-dev
  libboost-dev
  clang libclang-rt-14-dev clang-format
  chromium
  postgresql
  python3 python3-pip
)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

here="$(cd "$(dirname "$0")" && pwd)"
if ! python3 - "$here/requirements-test.txt" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, want = line.split("==")
    if version(name) != want:
        sys.exit(1)
PY
then
  echo "setup: installing Python test tools"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r "$here/requirements-test.txt"
fi
echo "setup: ok"
