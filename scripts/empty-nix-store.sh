#!/usr/bin/env bash
# Runs a command against a fresh, empty, temporary Nix store (and Nix cache directory), removed
# afterwards, so no test can pass because an earlier run left something in /nix/store or ~/.cache.
# `npm run test:all` and .ci/run use it; `scripts/empty-nix-store.sh npm test` does the same by hand.
set -euo pipefail
tmp=$(mktemp -d "${TMPDIR:-/tmp}/flake-lens-nix.XXXXXX")
# Store paths are read-only: make them writable so rm can remove them.
cleanup() { chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
export NIX_REMOTE="local?root=$tmp/root"
export XDG_CACHE_HOME="$tmp/cache" # Nix's fetcher and eval caches
echo "[nix] empty store: $NIX_REMOTE"
"$@"
