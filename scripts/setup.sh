#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian machine:
# apt packages (Nix as the test oracle, emscripten for the grammar, Chromium and headers for the
# code-server end-to-end tests), the npm dependencies, and code-server (cached outside the repo).
# Idempotent: what is already there is not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  nix-bin            # nix-instantiate --parse and nix flake lock/metadata/eval: the oracle in tests
  emscripten         # rebuilds the grammar wasm to check it matches the committed bytes
  chromium           # the browser that opens code-server for the end-to-end tests
  ripgrep            # code-server's search; replaces the binary @vscode/ripgrep would download
  pre-commit         # test/unit/ci.test.ts installs our hooks with it (its PyYAML also reads the YAML there)
  libkrb5-dev libxkbfile-dev libsecret-1-dev libx11-dev build-essential python3 pkg-config
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "[setup] apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --ignore-scripts: tree-sitter-nix would build a native Node addon we do not use (we compile its
# C sources to wasm ourselves).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci"
  npm ci --ignore-scripts --no-audit --no-fund
fi

if [ "${SKIP_CODE_SERVER:-0}" != 1 ]; then
  echo "[setup] code-server"
  bash scripts/install-code-server.sh >/dev/null
fi
echo "[setup] done"
