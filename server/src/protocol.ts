// Custom LSP messages and shared constants, typed once here and imported by both client and server.
// Keep this file free of Node and vscode imports: the client bundles it too.
import { NotificationType, RequestType } from 'vscode-jsonrpc';

/** The code action kind of "fix all": `editor.codeActionsOnSave: { "source.fixAll.flakeLens": "explicit" }`. */
export const FIX_ALL_KIND = 'source.fixAll.flakeLens';

export const DOCS_BASE = 'https://github.com/flake-lens/flake-lens/blob/main/docs/rules/';

export function docsUrl(code: string): string {
  return `${DOCS_BASE}${code}.md`;
}

/** Client command the server attaches to stale-lock fixes: runs `nix flake lock` (trusted workspaces only). */
export const UPDATE_LOCK_COMMAND = 'flakeLens.updateLock';

export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}
export interface TextEditDto {
  range: Range;
  newText: string;
}

/** One input of a lock node. */
export interface InputEdgeDto {
  name: string;
  /** The node the input resolves to (after follows); absent when the follows is broken. */
  target?: string;
  /** Set for `follows` inputs: the path from the root, e.g. ["nixpkgs"]; [] is the root itself. */
  follows?: string[];
  /** Where flake.nix declares this input (root inputs, and nested `inputs.X.inputs.Y` ones). */
  declaration?: Range;
  /** The missing-follows fix for this input, as edits to flake.nix. */
  addFollows?: { title: string; edits: TextEditDto[] };
}

export interface LockNodeDto {
  key: string;
  /** The input as written (`original`), as a flake reference: `github:NixOS/nixpkgs/nixos-unstable`. */
  reference?: string;
  /** The locked reference: `github:NixOS/nixpkgs/3f2a1b9…`. */
  lockedReference?: string;
  /** A web page for the upstream, when there is one (GitHub, GitLab, sourcehut, https). */
  webUrl?: string;
  /** The upstream, the same for every revision of it (`github:github.com/nixos/nixpkgs`): the graph colours by it. */
  upstream?: string;
  rev?: string;
  narHash?: string;
  /** Seconds since the epoch. */
  lastModified?: number;
  /** False for `flake = false` inputs. */
  flake: boolean;
  /** Where the node is in flake.lock. */
  lockRange?: Range;
  /** Set when the node is another revision of an upstream the flake has more than once. */
  duplicate?: { upstream: string; ordinal: number; revisions: number };
  /** Set when the locked nixpkgs is older than flakeLens.nixpkgs.maxAgeDays (rule outdated-nixpkgs). */
  outdated?: boolean;
  inputs: InputEdgeDto[];
}

export interface FlakeGraphDto {
  flakeUri: string;
  lockUri?: string;
  /** The flake's folder name, for the tree root. */
  name: string;
  /** Why the graph is missing or incomplete (no flake.lock, lock-error). */
  problem?: string;
  root?: string;
  nodes: Record<string, LockNodeDto>;
  summary: string;
  /** Not read yet: a workspace-wide request stops reading flakes at its time budget and lists
   *  the rest by name; ask for them by URI (the view does when one is expanded). */
  pending?: boolean;
}

export interface InputGraphParams {
  /** Flakes (flake.nix or flake.lock URIs) of interest; every flake in the workspace when absent. */
  uris?: string[];
}

export interface InputGraphResult {
  flakes: FlakeGraphDto[];
}

export const InputGraphRequest = new RequestType<InputGraphParams, InputGraphResult, void>('flakeLens/inputGraph');

/** Sent when a flake.nix or flake.lock changed, so the tree view refreshes. */
export const InputGraphChangedNotification = new NotificationType<{ flakeUris: string[] }>('flakeLens/inputGraphChanged');
