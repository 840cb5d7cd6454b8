{
  description = "Stand-in for nixpkgs 23.11 (Flake Lens end-to-end fixture)";

  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAllSystems = f: builtins.listToAttrs (map (system: { name = system; value = f system; }) systems);
    in
    {
      lib = import ./lib.nix;
      legacyPackages = forAllSystems (system: import ./pkgs.nix system);
    };
}
