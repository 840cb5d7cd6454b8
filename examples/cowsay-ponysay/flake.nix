{
  description = "cowsay from nixos-unstable, ponysay from the stable channel";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    stable.url = "github:NixOS/nixpkgs/nixos-24.05";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, stable, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
        stablePkgs = import stable { inherit system; };
      in
      {
        packages.cowsay = pkgs.cowsay;
        packages.ponysay = stablePkgs.ponysay;
        packages.default = (import nixpkgs { inherit system; }).hello;
        devShells.default = (import nixpkgs {
          inherit system;
          config.allowUnfree = true;
        }).mkShell { packages = [ pkgs.cowsay ]; };
      });
}
