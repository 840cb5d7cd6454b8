{
  description = "Flake Lens end-to-end fixture";

  inputs.nixpkgs.url = "path:./nix/nixpkgs";
  inputs.flake-utils.url = "path:./nix/flake-utils";
  inputs.devtool.url = "path:./nix/devtool";

  outputs = { self, nixpkgs, flake-utils, devtool }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
      in
      {
        packages.default = pkgs.hello;
        packages.devtool = devtool.packages.${system}.default;
      });
}
