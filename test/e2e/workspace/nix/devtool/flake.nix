{
  description = "A tool flake that pins its own, older nixpkgs (Flake Lens end-to-end fixture)";

  inputs.nixpkgs.url = "path:./nix/nixpkgs";

  outputs = { self, nixpkgs }: {
    packages = builtins.mapAttrs
      (system: pkgs: { default = pkgs.jq // { name = "devtool-0.3.0"; }; })
      nixpkgs.legacyPackages;
  };
}
