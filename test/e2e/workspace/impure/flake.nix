{
  description = "Flake Lens fixture: impure evaluation and a repeated nixpkgs import";

  inputs.nixpkgs.url = "path:./nixpkgs";

  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = import nixpkgs { inherit system; config.allowUnfree = true; };
      pkgsAgain = import nixpkgs { inherit system; config.allowUnfree = true; };
      home = builtins.getEnv "HOME";
    in
    {
      packages.${system} = {
        default = pkgs.hello;
        jq = pkgsAgain.jq;
      };
      lib.homeDirectory = home;
    };
}
