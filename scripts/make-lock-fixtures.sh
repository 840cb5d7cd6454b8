#!/usr/bin/env bash
# Builds flake.lock fixtures with real Nix (offline) out of local flakes, and records what
# `nix flake metadata` says about each, so the tests compare our reading of a lock with Nix's.
#
# Usage: scripts/make-lock-fixtures.sh [OUT]   (OUT defaults to test/fixtures/lock)
#   WORK=/some/dir  where the upstream flakes live (default /tmp/flake-lens-lock-fixtures).
# The locks embed WORK's absolute path, so the committed fixtures were made with the default.
# Git dates and file mtimes are pinned so revisions, narHashes and lastModified are reproducible.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/test/fixtures/lock}"
WORK="${WORK:-/tmp/flake-lens-lock-fixtures}"
NIX=(nix --extra-experimental-features 'nix-command flakes' --option flake-registry "$WORK/registry.json")

rm -rf "$WORK"
mkdir -p "$WORK/upstream" "$WORK/scenarios" "$OUT"
OUT="$(cd "$OUT" && pwd)"
U="$WORK/upstream"

export GIT_AUTHOR_NAME=fixture GIT_AUTHOR_EMAIL=fixture@example.invalid
export GIT_COMMITTER_NAME=fixture GIT_COMMITTER_EMAIL=fixture@example.invalid
export TZ=UTC
commit() { # commit <dir> <date> <message>
  GIT_AUTHOR_DATE="$2" GIT_COMMITTER_DATE="$2" git -C "$1" -c init.defaultBranch=master commit -qam "$3"
}
pin_mtime() { find "$1" -exec touch -h -d '2024-01-01T00:00:00Z' {} +; }
lock() { # lock <dir>: lock a path: flake, then pin mtimes so its narHash/lastModified stay put
  "${NIX[@]}" flake lock "path:$1" --offline 2>/dev/null || "${NIX[@]}" flake lock "path:$1" --offline
  pin_mtime "$1"
}

# nixpkgs stand-in: a git repo with two revisions and a lib/ sub-flake (for the dir=lib case).
mkdir -p "$U/nixpkgs/lib"
echo '{ outputs = { self }: { lib.version = "1"; }; }' >"$U/nixpkgs/flake.nix"
echo '{ outputs = { self }: { version = "1"; }; }' >"$U/nixpkgs/lib/flake.nix"
git -C "$U/nixpkgs" init -q -b master
git -C "$U/nixpkgs" add -A
commit "$U/nixpkgs" '2024-03-01T12:00:00Z' one

cat >"$WORK/registry.json" <<EOF
{"version":2,"flakes":[{"from":{"type":"indirect","id":"nixpkgs"},"to":{"type":"git","url":"file://$U/nixpkgs","ref":"master"}}]}
EOF

# Upstreams lock nixpkgs while it is at the first revision.
mkdir -p "$U/home-manager" "$U/wrapper" "$U/lib-user" "$U/data"
cat >"$U/home-manager/flake.nix" <<EOF
{
  inputs.nixpkgs.url = "git+file://$U/nixpkgs";
  outputs = { self, nixpkgs }: { };
}
EOF
lock "$U/home-manager"
cat >"$U/wrapper/flake.nix" <<EOF
{
  inputs.home-manager.url = "path:$U/home-manager";
  outputs = { self, home-manager }: { };
}
EOF
lock "$U/wrapper"
cat >"$U/lib-user/flake.nix" <<EOF
{
  inputs.nixpkgs-lib.url = "git+file://$U/nixpkgs?dir=lib";
  outputs = { self, nixpkgs-lib }: { };
}
EOF
lock "$U/lib-user"
echo 'not a flake' >"$U/data/README"
pin_mtime "$U/data"
mkdir -p "$U/tarball-src/src"
echo '{ outputs = { self }: { }; }' >"$U/tarball-src/src/flake.nix"
tar --mtime='2024-01-01 00:00:00' --owner=0 --group=0 --numeric-owner --sort=name -C "$U/tarball-src" -czf "$U/src.tar.gz" src

# The second nixpkgs revision: what the root flakes below lock.
echo '{ outputs = { self }: { lib.version = "2"; }; }' >"$U/nixpkgs/flake.nix"
commit "$U/nixpkgs" '2024-05-20T12:00:00Z' two

NP="git+file://$U/nixpkgs"
scenario() { # scenario <name>; flake.nix on stdin
  local d="$WORK/scenarios/$1"
  mkdir -p "$d"
  cat >"$d/flake.nix"
  lock "$d"
  mkdir -p "$OUT/$1"
  cp "$d/flake.nix" "$d/flake.lock" "$OUT/$1/"
  "${NIX[@]}" flake metadata "path:$d" --offline --json 2>/dev/null | python3 -m json.tool --sort-keys >"$OUT/$1/metadata.json"
  # Raw text, ANSI escapes included: the tree printer is checked byte for byte against it.
  "${NIX[@]}" flake metadata "path:$d" --offline 2>/dev/null >"$OUT/$1/metadata.txt"
}

scenario no-follows <<EOF
{
  description = "root with home-manager, no follows: two nixpkgs";

  inputs.nixpkgs.url = "$NP";
  inputs.home-manager.url = "path:$U/home-manager";

  outputs = { self, nixpkgs, home-manager }: { };
}
EOF

scenario with-follows <<EOF
{
  inputs.nixpkgs.url = "$NP";
  inputs.home-manager.url = "path:$U/home-manager";
  inputs.home-manager.inputs.nixpkgs.follows = "nixpkgs";

  outputs = { self, nixpkgs, home-manager }: { };
}
EOF

scenario nested-attrset <<EOF
{
  inputs = {
    nixpkgs.url = "$NP";
    home-manager = {
      url = "path:$U/home-manager";
    };
  };

  outputs = inputs@{ self, nixpkgs, ... }: { };
}
EOF

scenario nested-chain <<EOF
{
  inputs = {
    nixpkgs.url = "$NP";
    wrapper.url = "path:$U/wrapper";
  };
  outputs = { self, nixpkgs, wrapper }: { };
}
EOF

# Nix 2.8 ignores overrides deeper than one level (wrapper.inputs.home-manager.inputs.nixpkgs),
# so a nested chain is fixed by lifting the middle input to the root and following it.
scenario nested-chain-follows <<EOF
{
  inputs = {
    nixpkgs.url = "$NP";
    wrapper.url = "path:$U/wrapper";
    wrapper.inputs.home-manager.follows = "home-manager";
    home-manager.url = "path:$U/home-manager";
    home-manager.inputs.nixpkgs.follows = "nixpkgs";
  };
  outputs = { self, nixpkgs, wrapper, home-manager }: { };
}
EOF

# Follows into another input's inputs: root nixpkgs is home-manager's.
scenario follows-path <<EOF
{
  inputs.home-manager.url = "path:$U/home-manager";
  inputs.nixpkgs.follows = "home-manager/nixpkgs";
  inputs.wrapper = {
    url = "path:$U/wrapper";
    inputs.home-manager.follows = "home-manager";
  };
  inputs.lib-user.url = "path:$U/lib-user";
  inputs.lib-user.inputs.nixpkgs-lib.follows = "home-manager/nixpkgs";
  outputs = { self, home-manager, nixpkgs, wrapper, lib-user }: { };
}
EOF

scenario flake-false <<EOF
{
  inputs.nixpkgs.url = "$NP";
  inputs.data = { url = "path:$U/data"; flake = false; };
  inputs.src.url = "file://$U/src.tar.gz";
  inputs.src.flake = false;
  outputs = { self, nixpkgs, data, src }: { };
}
EOF

scenario indirect <<EOF
{
  inputs.nixpkgs.url = "nixpkgs";
  inputs.other.url = "flake:nixpkgs";
  inputs.home-manager.url = "path:$U/home-manager";
  outputs = { self, nixpkgs, other, home-manager, unused }: { };
  inputs.unused.url = "$NP";
}
EOF

scenario attrs-form <<EOF
{
  inputs.nixpkgs = {
    type = "git";
    url = "file://$U/nixpkgs";
    ref = "master";
  };
  inputs.home-manager = { type = "path"; path = "$U/home-manager"; };
  inputs.lib-user = { url = "path:$U/lib-user"; };
  inputs.tarball.url = "file://$U/src.tar.gz";
  outputs = { self, nixpkgs, home-manager, lib-user, tarball }: { };
}
EOF

# Hand-written lock with every remote type (github, gitlab, sourcehut, mercurial, git variants,
# tarball): Nix reads it without fetching because each entry matches flake.nix, so its metadata
# output tells us how Nix 2.8 prints each kind of locked ref.
d="$WORK/scenarios/handmade"
mkdir -p "$d" "$OUT/handmade"
cp "$ROOT/test/fixtures/lock/handmade.in/flake.nix" "$ROOT/test/fixtures/lock/handmade.in/flake.lock" "$d/"
pin_mtime "$d"
cp "$d/flake.nix" "$d/flake.lock" "$OUT/handmade/"
# The first read may rewrite the lock (Nix 2.8 un-shares nodes reached twice); keep its result.
"${NIX[@]}" flake metadata "path:$d" --offline >/dev/null 2>&1
pin_mtime "$d"
cp "$d/flake.lock" "$OUT/handmade/"
"${NIX[@]}" flake metadata "path:$d" --offline --json 2>/dev/null | python3 -m json.tool --sort-keys >"$OUT/handmade/metadata.json"
"${NIX[@]}" flake metadata "path:$d" --offline 2>/dev/null >"$OUT/handmade/metadata.txt"

echo "fixtures written to $OUT"
