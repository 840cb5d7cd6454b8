// The server's side of the input graph view: answers flakeLens/inputGraph for the flakes asked
// about (or every flake in the workspace folders and every open flake.nix), and tells the client,
// debounced, which flakes' graphs may have changed.
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileChangeType, type Connection, type WorkspaceFoldersChangeEvent } from 'vscode-languageserver/node';
import { DEFAULT_SETTINGS } from '../config';
import { ParsedNix } from '../nix/parser';
import { InputGraphChangedNotification, type FlakeGraphDto, type InputGraphResult } from '../protocol';
import { nixpkgsPolicy, ruleOn } from '../rules/analyse';
import { flakeContext, graphDto } from '../rules/flake';
import { markOutdated } from '../rules/nixpkgsAge';
import type { DocumentStore } from './documents';
import type { LockDocuments } from './lockDocuments';
import type { ResourceSettings } from './resourceSettings';
import { findFlakes, isFlakeUri, isLockUri, pathToUri, readDisk, siblingUri, uriToPath } from './workspace';

/** How long changes are gathered into one flakeLens/inputGraphChanged. */
const GRAPH_CHANGE_DEBOUNCE_MS = 300;

/** Flakes read by one flakeLens/inputGraph request before the rest are only listed (pending). */
export const WORKSPACE_GRAPH_BUDGET_MS = 400;

/** The flake's folder name, for the tree root. */
function flakeName(flakeUri: string): string {
  return path.basename(path.dirname(uriToPath(flakeUri) ?? flakeUri));
}

export class InputGraphs {
  private folders: string[];
  /** flake.nix files found under the workspace folders; dropped when one is created or deleted. */
  private knownFlakes: string[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly changed = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly store: DocumentStore,
    private readonly locks: LockDocuments,
    private readonly settings: ResourceSettings,
    folderUris: string[],
  ) {
    this.folders = folderUris.map(uriToPath).filter((p): p is string => !!p);
  }

  /** Tells the client (debounced) that the input graph of this flake may have changed. */
  noteChange(flakeUri: string): void {
    this.changed.add(flakeUri);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const flakeUris = [...this.changed];
      this.changed.clear();
      void this.connection.sendNotification(InputGraphChangedNotification, { flakeUris });
    }, GRAPH_CHANGE_DEBOUNCE_MS);
  }

  foldersChanged(e: WorkspaceFoldersChangeEvent): void {
    const removed = new Set(e.removed.map((f) => uriToPath(f.uri)));
    const added = e.added.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    this.folders = [...this.folders.filter((f) => !removed.has(f)), ...added];
    this.knownFlakes = undefined;
    void this.connection.sendNotification(InputGraphChangedNotification, { flakeUris: [] });
  }

  /** A flake.nix on disk was created, changed or deleted. */
  flakeFileChanged(uri: string, type: FileChangeType): void {
    if (type !== FileChangeType.Changed) this.knownFlakes = undefined;
    this.noteChange(uri);
  }

  /** The graphs of these flakes (a flake.lock stands for the flake.nix beside it), or of every flake. */
  async graphs(uris?: string[]): Promise<InputGraphResult> {
    this.store.applyQueued();
    const flakeUris = new Set<string>();
    if (uris?.length) {
      for (const u of uris) flakeUris.add(isLockUri(u) ? siblingUri(u, 'flake.nix') : u);
    } else {
      this.knownFlakes ??= this.folders.flatMap((folder) => findFlakes(folder));
      for (const f of this.knownFlakes) flakeUris.add(pathToUri(f));
      for (const u of this.store.uris()) if (isFlakeUri(u)) flakeUris.add(u);
    }
    const flakes: FlakeGraphDto[] = [];
    const start = performance.now();
    for (const flakeUri of [...flakeUris].sort()) {
      // A repository can hold hundreds of flakes, each up to the parse budget: past this request's
      // budget the rest are only listed, and other requests run between flakes.
      if (flakes.length > 0 && performance.now() - start > WORKSPACE_GRAPH_BUDGET_MS) {
        flakes.push({ flakeUri, name: flakeName(flakeUri), nodes: {}, summary: 'not read yet', pending: true });
        continue;
      }
      flakes.push(await this.graph(flakeUri));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { flakes };
  }

  private async graph(flakeUri: string): Promise<FlakeGraphDto> {
    const open = this.store.get(flakeUri);
    const disk = open ? undefined : readDisk(flakeUri, DEFAULT_SETTINGS.maxFileSize);
    const flakeText = open ? open.doc.getText() : disk && 'text' in disk ? disk.text : undefined;
    const lockUri = siblingUri(flakeUri, 'flake.lock');
    const lock = this.locks.text(lockUri);
    let parsed: ParsedNix | undefined;
    try {
      // An open flake.nix over the parse budget keeps its verdict: parsing it again per request cost a second each.
      const tree = open ? open.parsed?.tree : flakeText !== undefined ? (parsed = ParsedNix.tryCreate(this.store.language, flakeText) ?? undefined)?.tree : undefined;
      const ctx = flakeContext({ flakeText, flakeRoot: tree?.rootNode, lockText: lock?.text });
      const dto = graphDto(ctx, flakeUri, lock ? lockUri : undefined, flakeName(flakeUri));
      const settings = await this.settings.get(flakeUri);
      if (ruleOn(settings, 'outdated-nixpkgs')) markOutdated(dto, ctx, nixpkgsPolicy(settings, Date.now()));
      if (lock?.error) dto.problem = lock.error;
      return dto;
    } finally {
      parsed?.dispose();
    }
  }
}
