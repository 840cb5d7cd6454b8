// The read-only requests on a flake: hover (the nixpkgs hovers of hover.ts, then what an input is
// locked to), go to definition, document links (flake.nix references, flake.lock nodes) and
// inlay hints (what each input is locked to). lock/navigation.ts finds them in the texts; this
// file gives them LSP positions in the open documents.
import type { DefinitionParams, DocumentLink, Hover, HoverParams, InlayHint, InlayHintParams, Location } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { flakeLinks, inputDefinition, inputHover, type NavContext } from '../lock/navigation';
import { flakeContext } from '../rules/flake';
import type { Analysis } from './analysis';
import { spanRange, type DocumentState, type DocumentStore } from './documents';
import { hoverAt } from './hover';
import { inputInlayHints } from './inlayHints';
import type { LockDocuments } from './lockDocuments';
import type { ResourceSettings } from './resourceSettings';
import { isFlakeUri, siblingUri } from './workspace';

export class Navigation {
  constructor(
    private readonly store: DocumentStore,
    private readonly locks: LockDocuments,
    private readonly analysis: Analysis,
    private readonly settings: ResourceSettings,
  ) {}

  async hover(p: HoverParams): Promise<Hover | null> {
    const state = this.store.current(p.textDocument.uri);
    if (!state?.parsed) return null;
    const settings = await this.settings.get(p.textDocument.uri);
    const doc = state.doc;
    const ctx = this.analysis.context(state, settings);
    const offset = doc.offsetAt(p.position);
    const h = hoverAt(ctx, offset) ?? (isFlakeUri(doc.uri) ? inputHover(this.navFor(state), offset) : undefined);
    if (!h) return null;
    return { contents: { kind: 'markdown', value: h.markdown }, range: spanRange(doc, h) };
  }

  definition(p: DefinitionParams): Location | null {
    const state = this.store.current(p.textDocument.uri);
    if (!state?.parsed || !isFlakeUri(state.doc.uri)) return null;
    const nav = this.navFor(state);
    const target = inputDefinition(nav, state.doc.offsetAt(p.position));
    if (!target) return null;
    if (target.file === 'flake') return { uri: state.doc.uri, range: spanRange(state.doc, target) };
    // Positions in the lock text the target was found in.
    const lockUri = siblingUri(state.doc.uri, 'flake.lock');
    return { uri: lockUri, range: spanRange(TextDocument.create(lockUri, 'json', 0, nav.lockText ?? ''), target) };
  }

  links(uri: string): DocumentLink[] {
    const lockLinks = this.locks.links(uri);
    if (lockLinks) return lockLinks;
    const state = this.store.current(uri);
    if (!state?.parsed || !isFlakeUri(uri)) return [];
    return flakeLinks(this.navFor(state)).map((l) => ({ range: spanRange(state.doc, l), target: l.target, tooltip: l.tooltip }));
  }

  async inlayHints(p: InlayHintParams): Promise<InlayHint[]> {
    const state = this.store.current(p.textDocument.uri);
    if (!state?.parsed || !isFlakeUri(state.doc.uri)) return [];
    const settings = await this.settings.get(state.doc.uri);
    if (!settings.enable || !settings.inlayHints.enable) return [];
    const doc = state.doc;
    const from = doc.offsetAt(p.range.start);
    const to = doc.offsetAt(p.range.end);
    return inputInlayHints(this.navFor(state), Date.now())
      .filter((h) => h.offset >= from && h.offset <= to)
      .map((h) => ({ position: doc.positionAt(h.offset), label: h.label, tooltip: h.tooltip, paddingLeft: true }));
  }

  /** flake.nix with its flake.lock, for input navigation; the parsed lock is shared with the analysis (memoised by text). */
  private navFor(state: DocumentState): NavContext {
    const lockUri = siblingUri(state.doc.uri, 'flake.lock');
    const flakeRoot = state.parsed?.tree.rootNode;
    return { ...flakeContext({ flakeText: state.doc.getText(), flakeRoot, lockText: this.locks.text(lockUri)?.text }), flakeRoot };
  }
}
