// What every rule sees: one parsed document and the facts derived from it, computed once.
import type { Tree } from '../nix/parser';
import { ImportSite, nixpkgsImports } from '../nix/imports';
import { NixpkgsResolver, outputsFunction } from '../nix/nixpkgs';
import type { Node } from '../nix/parser';
import { readFlakeInputs, type FlakeInputs } from '../lock/flakeInputs';

export interface ContextOptions {
  /** The file is named flake.nix. */
  isFlake: boolean;
  extraNixpkgsInputs?: readonly string[];
  /** Root inputs that the flake.lock beside the file resolves to nixpkgs. */
  lockNixpkgsInputs?: readonly string[];
  /** The flake's declared inputs, if already read (they are read from the tree otherwise). */
  flakeInputs?: FlakeInputs;
}

export class DocumentContext {
  readonly resolver: NixpkgsResolver;
  readonly outputs: Node | null;
  private importsCache?: ImportSite[];

  constructor(
    readonly text: string,
    readonly tree: Tree,
    readonly options: ContextOptions,
  ) {
    this.resolver = NixpkgsResolver.forTree(tree, {
      isFlake: options.isFlake,
      extraInputs: options.extraNixpkgsInputs,
      lockInputs: options.lockNixpkgsInputs,
      flakeInputs: options.flakeInputs ?? (options.isFlake ? readFlakeInputs(tree.rootNode, text) : undefined),
    });
    this.outputs = options.isFlake ? outputsFunction(tree) : null;
  }

  get isFlake(): boolean {
    return this.options.isFlake;
  }

  get imports(): ImportSite[] {
    return (this.importsCache ??= nixpkgsImports(this.tree, this.resolver, this.text));
  }
}
