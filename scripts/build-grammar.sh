#!/usr/bin/env bash
# Compiles the tree-sitter-nix grammar (the pinned npm package is its source) to a wasm side module
# that web-tree-sitter loads. Debian's emscripten makes the same bytes every time, so CI can rebuild
# and compare: `scripts/build-grammar.sh --check` fails if the committed wasm differs.
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules/tree-sitter-nix/src
out_dir=server/grammar
check=0
[ "${1:-}" = "--check" ] && check=1
command -v emcc >/dev/null || { echo "emcc not found: apt-get install -y emscripten" >&2; exit 2; }
[ -f "$src/parser.c" ] || { echo "$src/parser.c missing: run npm ci first" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# emcc writes a cache under $HOME; keep it out of the repo.
emcc -o "$tmp/tree-sitter-nix.wasm" -Os -fPIC -s WASM=1 -s SIDE_MODULE=2 \
  -s EXPORTED_FUNCTIONS=_tree_sitter_nix -I "$src" "$src/parser.c" "$src/scanner.c"
sha=$(sha256sum "$tmp/tree-sitter-nix.wasm" | cut -d' ' -f1)
pkg_version=$(node -p "require('./node_modules/tree-sitter-nix/package.json').version")
# sed, not head: head would close the pipe early and pipefail would fail on emcc's broken pipe.
emcc_version=$(emcc --version | sed -n 1p)
if [ $check = 1 ]; then
  if cmp -s "$tmp/tree-sitter-nix.wasm" "$out_dir/tree-sitter-nix.wasm"; then
    echo "grammar wasm reproduced: sha256 $sha"
  else
    echo "grammar wasm differs from the committed file (rebuilt sha256 $sha, committed $(sha256sum "$out_dir/tree-sitter-nix.wasm" | cut -d' ' -f1))" >&2
    exit 1
  fi
  exit 0
fi
cp "$tmp/tree-sitter-nix.wasm" "$out_dir/tree-sitter-nix.wasm"
cat > "$out_dir/PROVENANCE.json" <<JSON
{
  "file": "tree-sitter-nix.wasm",
  "source": "npm tree-sitter-nix@$pkg_version (src/parser.c, src/scanner.c)",
  "compiler": "$emcc_version",
  "command": "emcc -o tree-sitter-nix.wasm -Os -fPIC -s WASM=1 -s SIDE_MODULE=2 -s EXPORTED_FUNCTIONS=_tree_sitter_nix -I src src/parser.c src/scanner.c",
  "sha256": "$sha"
}
JSON
echo "wrote $out_dir/tree-sitter-nix.wasm ($sha)"
