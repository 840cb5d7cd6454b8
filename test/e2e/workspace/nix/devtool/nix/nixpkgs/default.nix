# What `import nixpkgs { inherit system; }` evaluates: the same package set as legacyPackages.${system}.
{ system, config ? { }, overlays ? [ ] }:
import ./pkgs.nix system
