#!/usr/bin/env bash
# Regenerates the end-to-end fixture workspace's vendored mock dependencies and its flake.lock
# files with the real `nix flake lock`, offline: every input is a local `path:` flake inside the
# flake that uses it (nix refuses relative paths that leave a flake's own directory).
#
#   workspace/nix/nixpkgs        mock nixpkgs "24.05" (lib, legacyPackages, default.nix)
#   workspace/nix/devtool/nix/nixpkgs  the same mock as "23.11": a second revision of the same
#                                upstream (`path:./nix/nixpkgs` again, other content) in the lock
#   workspace/fixall/nixpkgs, workspace/impure/nixpkgs  copies of the 24.05 mock
#
# Then evaluates the fixtures, so they stay real flakes. Needs: nix (Debian's nix-bin).
set -euo pipefail
cd "$(dirname "$0")/workspace"
WS="$PWD"
nixf() { nix --extra-experimental-features 'nix-command flakes' --offline "$@"; }

# The second nixpkgs revision: same files, another release.
rm -rf nix/devtool/nixpkgs nix/devtool/nix && mkdir -p nix/devtool/nix/nixpkgs
cp nix/nixpkgs/*.nix nix/devtool/nix/nixpkgs/
sed -i 's/24\.05/23.11/g' nix/devtool/nix/nixpkgs/*.nix
sed -i 's/jq-1\.7\.1/jq-1.6/; s/"1\.7\.1"/"1.6"/' nix/devtool/nix/nixpkgs/pkgs.nix
for d in fixall impure; do rm -rf "$d/nixpkgs" && mkdir -p "$d/nixpkgs" && cp nix/nixpkgs/*.nix "$d/nixpkgs/"; done

# Lock from the leaves up, so nested flakes carry their own locks as published flakes do.
for flake in nix/nixpkgs nix/flake-utils nix/devtool/nix/nixpkgs nix/devtool . fixall impure; do
  rm -f "$flake/flake.lock"
  nixf flake lock "path:$WS/$flake"
done
# Input-less flakes get no lock from nix 2.x; keep whatever it wrote.

check() { # check FLAKE ATTR EXPECTED
  local got
  got="$(nixf eval --raw "path:$WS/$1#$2")"
  [[ "$got" == "$3" ]] || { echo "lock-fixtures: $1#$2 is '$got', expected '$3'" >&2; exit 1; }
}
check . packages.x86_64-linux.default.name hello-2.12.1
check . packages.aarch64-darwin.devtool.name devtool-0.3.0
check . packages.x86_64-linux.devtool.version 1.6
check fixall packages.x86_64-linux.default.name hello-2.12.1
check impure packages.x86_64-linux.jq.name jq-1.7.1
echo "lock-fixtures: locked and evaluated" >&2
