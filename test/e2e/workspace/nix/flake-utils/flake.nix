{
  description = "Stand-in for flake-utils (Flake Lens end-to-end fixture)";

  outputs = { self }: {
    lib = rec {
      defaultSystems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];

      # eachSystem [ "x86_64-linux" ] (system: { packages.default = ...; })
      #   => { packages.x86_64-linux.default = ...; }
      eachSystem = systems: f:
        builtins.foldl'
          (acc: system:
            let out = f system;
            in acc // builtins.mapAttrs (name: value: (acc.${name} or { }) // { ${system} = value; }) out)
          { }
          systems;

      eachDefaultSystem = eachSystem defaultSystems;
    };
  };
}
