#!/usr/bin/env bash
# Installs everything wordviews needs to build, test and benchmark, on a fresh
# Debian 12 machine, as root. Idempotent: a second run installs nothing.
set -euo pipefail

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ccache
  zlib1g-dev libzstd-dev libsnappy-dev libisal-dev libcurl4-openssl-dev libpq-dev
  libabsl-dev libfmt-dev libcli11-dev nlohmann-json3-dev libsimdjson-dev libfast-float-dev
  libgtest-dev libbenchmark-dev
  libboost-dev libpugixml-dev libssl-dev
  clang libclang-rt-14-dev clang-format
  chromium
  systemd
  postgresql
  python3 python3-venv
  openjdk-17-jre-headless
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
repo="$(dirname "$here")"
requirements="$here/requirements-test.txt"

# ensure_venv VENV WHAT: VENV is a virtual environment made from Debian's python3 (WV_PYTHON
# overrides), so it does not depend on what else is on PATH; a folder there that is not one is replaced.
base_python="${WV_PYTHON:-/usr/bin/python3}"
[ -x "$base_python" ] || base_python="$(command -v python3)"
ensure_venv() {
  if ! "$1/bin/python" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' 2>/dev/null; then
    echo "setup: creating $2 $1 ($("$base_python" --version))"
    rm -rf "$1"
    "$base_python" -m venv "$1"
  fi
}

# pinned_installed VENV REQUIREMENTS: true when every NAME==VERSION line of REQUIREMENTS is installed
# in VENV at that version (then there is nothing to install).
pinned_installed() {
  "$1/bin/python" - "$2" <<'PY' 2>/dev/null
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
}

# The Python test tools live in the project's own virtual environment (.venv, gitignored; WV_VENV
# overrides), never in the system interpreter.
venv="${WV_VENV:-$repo/.venv}"
ensure_venv "$venv" "the test virtual environment"
if ! pinned_installed "$venv" "$requirements"; then
  echo "setup: installing the Python test tools into $venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
fi
# The S3 server the end-to-end tests start (versitygw: SigV4 and body hashes checked as AWS does), built
# once per machine into the tools cache and never rebuilt while the binary there runs and is that version
# (`go version -m` reads the module version Go records in the binary; `versitygw --version` prints "git"
# for a `go install` build). WV_TOOLS overrides the cache folder.
VERSITYGW_VERSION=v1.8.0
tools="${WV_TOOLS:-$HOME/.cache/wordviews/tools}"
versitygw="$tools/versitygw-$VERSITYGW_VERSION/versitygw"
go_bin="$(command -v go || echo /usr/local/go/bin/go)"
if ! { "$versitygw" --version >/dev/null 2>&1 &&
       "$go_bin" version -m "$versitygw" 2>/dev/null |
         grep -qE "^\s+mod\s+github.com/versity/versitygw\s+$VERSITYGW_VERSION\s"; }; then
  if [ ! -x "$go_bin" ]; then
    echo "setup: Go is needed to build versitygw (the S3 test server); install it and rerun" >&2
    exit 1
  fi
  echo "setup: building versitygw $VERSITYGW_VERSION into $(dirname "$versitygw") (a few minutes, once per machine)"
  mkdir -p "$(dirname "$versitygw")"
  GOBIN="$(dirname "$versitygw")" "$go_bin" install \
    "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
fi

# Apache Airflow, for the test of deploy/airflow's DAG only, in a venv of its own (.venv-airflow,
# gitignored; WV_AIRFLOW_VENV overrides): Airflow pins SQLAlchemy, Flask and a hundred more that
# must not move the test venv's. requirements-airflow.txt is the whole resolved set, installed with
# --no-deps (nothing is resolved here). About 4 minutes and 280 MB the first time.
airflow_requirements="$here/requirements-airflow.txt"
airflow_venv="${WV_AIRFLOW_VENV:-$repo/.venv-airflow}"
ensure_venv "$airflow_venv" "the Airflow test environment"
if ! pinned_installed "$airflow_venv" "$airflow_requirements"; then
  echo "setup: installing Apache Airflow (test-only) into $airflow_venv"
  "$airflow_venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
    -r "$airflow_requirements"
fi

echo "setup: ok"
