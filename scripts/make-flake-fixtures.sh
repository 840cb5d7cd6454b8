#!/usr/bin/env bash
# Regenerates test/fixtures/flakes/consumers/*/flake.lock, offline, with the local mocks.
#
# Why the copying: Nix 2.8 refuses a relative `path:` input that leaves its parent flake
# ("relative path '../mock-nixpkgs' points outside of its parent's store path"), and inside this
# git repository `nix flake lock` would read the flake as `git+file:` and miss untracked files.
# So each consumer names its inputs `path:./deps/<mock>`, and we (like test/unit/nix-proof.test.ts)
# assemble it outside the repository:
#
#   $tmp/<consumer>/flake.nix
#   $tmp/<consumer>/deps/{mock-nixpkgs,mock-nixpkgs-stable,flake-utils}/
#
# The lock records those inputs as {"type":"path","path":"./deps/<mock>"}, which Nix 2.8 resolves
# relative to the consumer, so the committed lock works wherever the consumer is copied.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fixtures=$root/test/fixtures/flakes
nix=(nix --extra-experimental-features 'nix-command flakes' --offline)
mocks=(mock-nixpkgs mock-nixpkgs-stable flake-utils)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for dir in "$fixtures"/consumers/*/; do
  name=$(basename "$dir")
  work=$tmp/$name
  mkdir -p "$work/deps"
  cp -R "$dir". "$work/"
  rm -f "$work/flake.lock"
  for m in "${mocks[@]}"; do cp -R "$fixtures/$m" "$work/deps/$m"; done
  (cd "$work" && "${nix[@]}" flake lock)
  cp "$work/flake.lock" "$dir/flake.lock"
  echo "locked $name"
done
