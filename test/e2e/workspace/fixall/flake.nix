{
  description = "Flake Lens fixture: fix-all on save";

  inputs.nixpkgs.url = "path:./nixpkgs";

  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = import nixpkgs { inherit system; };
    in
    {
      packages.${system}.default = pkgs.hello;
    };
}
