#!/usr/bin/env bash
# Installs code-server (a real VS Code workbench + extension host served to a browser) from the
# npm registry into a cache outside the repo, for the end-to-end tests (scripts/e2e-code-server.mjs).
#
# Idempotent: a stamp file marks a complete install, and a second run returns at once.
# Prints the install directory (the one holding out/node/entry.js) as its last line.
#
# Needs (Debian): build-essential python3 pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev
# libx11-dev ripgrep (native modules are rebuilt from source; ripgrep replaces the binary that
# @vscode/ripgrep would otherwise download). Network: the npm registry only.
set -euo pipefail

VERSION="${CODE_SERVER_VERSION:-4.99.4}"
CACHE="${FLAKE_LENS_CACHE:-$HOME/.cache/flake-lens}"
DEST="$CACHE/code-server-$VERSION"
STAMP="$DEST/.installed"
STAMP_CONTENT="code-server $VERSION node $(node -p 'process.versions.modules') $(uname -m)"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_CONTENT" && -f "$DEST/package/out/node/entry.js" ]]; then
  echo "code-server $VERSION already installed" >&2
  echo "$DEST/package"
  exit 0
fi

RG="$(command -v rg || true)"
if [[ -z "$RG" ]]; then
  echo "install-code-server: ripgrep (rg) is required (apt-get install ripgrep)" >&2
  exit 1
fi

log() { echo "[install-code-server $(date +%T)] $*" >&2; }

mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/.code-server-$VERSION.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

export npm_config_yes=true
export npm_config_audit=false
export npm_config_fund=false
export npm_config_update_notifier=false
export npm_config_loglevel="${npm_config_loglevel:-warn}"

log "fetching code-server@$VERSION"
( cd "$WORK" && npm pack "code-server@$VERSION" --silent >/dev/null )
tar -xzf "$WORK"/code-server-"$VERSION".tgz -C "$WORK"
PKG="$WORK/package"

log "installing code-server dependencies"
( cd "$PKG" && npm install --omit=dev --ignore-scripts --no-package-lock >&2 )

log "installing VS Code dependencies"
( cd "$PKG/lib/vscode" && npm install --omit=dev --ignore-scripts >&2 )
mkdir -p "$PKG/lib/vscode/node_modules/@vscode/ripgrep/bin"
cp "$RG" "$PKG/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
log "rebuilding VS Code native modules"
( cd "$PKG/lib/vscode" && npm rebuild >&2 )
ln -sfn node_modules "$PKG/lib/vscode/node_modules.asar"

log "installing built-in extension dependencies"
( cd "$PKG/lib/vscode/extensions" && npm install --omit=dev --ignore-scripts >&2 )

log "rebuilding code-server native modules (argon2)"
# A trailing complaint about --unsafe-perm is harmless; check the result instead of the exit code.
( cd "$PKG" && npm rebuild --build-from-source >&2 ) || log "npm rebuild exited non-zero; checking the result"

log "checking the install"
( cd "$PKG" && node -e "require('argon2')" ) || { log "argon2 did not build"; exit 1; }
( cd "$PKG/lib/vscode" && node -e "require('node-pty'); require('@vscode/spdlog')" ) \
  || { log "VS Code native modules did not build"; exit 1; }
test -f "$PKG/out/node/entry.js"

rm -rf "$DEST"
mkdir -p "$DEST"
mv "$PKG" "$DEST/package"
echo "$STAMP_CONTENT" > "$STAMP"
log "installed in $DEST/package"
echo "$DEST/package"
