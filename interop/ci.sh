#!/usr/bin/env bash
# The interop matrix in CI (called from .ci/run after `pnpm install`): installs
# what the peers need on a fresh Debian machine, then runs `pnpm interop`,
# which builds the go, rust and py peers into the cache outside the clone
# (${WEFT_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/weft-interop}) when
# they are missing or changed, runs the matrix and writes interop/RESULTS.md.
# Every step checks before it acts, so a second run on the same machine only
# runs the matrix.
#
# Needs on the machine: node (>= 20.19), go (>= 1.26, for go-libp2p v0.51),
# cargo (rust >= 1.88, for rust-libp2p 0.57), python3 (>= 3.10, for py-libp2p 0.8).
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM=${PNPM:-npx --yes pnpm@10.34.8}
export GOTOOLCHAIN=local

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "interop: '$1' is not installed: $2" >&2
    exit 1
  }
}
need go 'install Go >= 1.26'
need cargo 'install Rust >= 1.88 (rustup or the distribution package)'
need python3 'install Python >= 3.10'
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || {
  echo "interop: py-libp2p needs Python >= 3.10, found $(python3 --version)" >&2
  exit 1
}

echo "== interop: system packages"
# py-libp2p builds fastecdsa and coincurve from source: a compiler, cmake,
# pkg-config, GMP and the Python headers; python3-venv for the virtualenv
missing=()
for pkg in build-essential cmake pkg-config libgmp-dev python3-dev python3-venv; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== interop: Go modules"
(cd interop/go-peer && GOFLAGS=-mod=readonly go mod download)

echo "== interop: Rust crates"
(cd interop/rust-peer && cargo fetch --locked --quiet)

echo "== interop: matrix"
$PNPM interop
