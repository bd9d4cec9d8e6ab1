#!/usr/bin/env bash
# Installs the Debian packages the build needs (only those missing) and creates .venv with
# Debian's Python, so Debian's numpy, pytest and torch are visible. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libopenblas-dev liblapacke-dev
  python3-dev python3-venv python3-numpy python3-pytest python3-torch pybind11-dev
  python3-hypothesis python3-scipy
  googletest libgtest-dev libbenchmark-dev nlohmann-json3-dev libdlpack-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  /usr/bin/python3 -m venv --system-site-packages .venv
fi
