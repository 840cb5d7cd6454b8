// textDocument/codeAction: the quick fixes of Flake Lens diagnostics (each finding's fixes, an
// "ignore on this line" comment, re-locking, all missing follows at once), fix-all on request, and
// the rewrites offered at a selection.
import { CodeActionKind, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { FIX_ALL_KIND, UPDATE_LOCK_COMMAND } from '../protocol';
import type { Finding, Fix } from '../rules/findings';
import { fixAllEdits, ignoreEdit } from '../rules/fixes';
import { combineFollowsFixes } from '../rules/flake';
import { refactorsAt } from '../rules/refactors';
import type { Analysis } from './analysis';
import type { DiagnosticData } from './diagnostics';
import { spanRange, type DocumentState, type DocumentStore } from './documents';
import type { ResourceSettings } from './resourceSettings';

export class CodeActions {
  constructor(
    private readonly store: DocumentStore,
    private readonly analysis: Analysis,
    private readonly settings: ResourceSettings,
  ) {}

  async provide(p: CodeActionParams): Promise<CodeAction[]> {
    const state = this.store.current(p.textDocument.uri);
    if (!state) return [];
    // The version asked about, even if an edit is applied while this waits for settings.
    const doc = state.doc;
    const only = p.context.only;
    const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
    const actions: CodeAction[] = [];
    if (wants(CodeActionKind.QuickFix)) actions.push(...(await this.quickFixes(state, doc, p.context.diagnostics)));
    if (wants(FIX_ALL_KIND) && (only?.length ?? 0) > 0) actions.push(...(await this.fixAll(state, doc)));
    if (wants(CodeActionKind.RefactorRewrite) && state.parsed) {
      const ctx = this.analysis.context(state, await this.settings.get(doc.uri));
      for (const fix of refactorsAt(ctx, doc.offsetAt(p.range.start), doc.offsetAt(p.range.end))) {
        actions.push(action(doc, fix, [], CodeActionKind.RefactorRewrite));
      }
    }
    return actions;
  }

  private async quickFixes(state: DocumentState, doc: TextDocument, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const uri = doc.uri;
    const byId = this.analysis.publishedFindings(uri);
    // A diagnostic from the current version is found by its id. One from before the last edit
    // (the editor has moved it along with the text, the server has not republished yet) is
    // matched by code and range against a fresh analysis, so fixes never blink out while typing.
    let fresh: Finding[] | undefined;
    let freshIndex: Map<string, Finding> | undefined;
    const current = async (d: Diagnostic): Promise<Finding | undefined> => {
      const data = d.data as DiagnosticData | undefined;
      if (data && data.version === doc.version) return byId?.get(data.id);
      fresh ??= state.parsed ? this.analysis.findings(state, await this.settings.get(uri)) : [];
      freshIndex ??= new Map(fresh.map((f) => [`${f.code} ${f.start} ${f.end}`, f]));
      return freshIndex.get(`${d.code} ${doc.offsetAt(d.range.start)} ${doc.offsetAt(d.range.end)}`);
    };
    const actions: CodeAction[] = [];
    // "Add all missing follows" is one action for all of them: one per diagnostic would repeat
    // every follows edit once per finding (2,500 findings: 6 million edits).
    const followsDiagnostics: Diagnostic[] = [];
    for (const d of diagnostics) {
      if (d.source !== 'flake-lens') continue;
      const f = await current(d);
      if (!f) continue;
      for (const fix of f.fixes.filter((x) => (x.kind ?? 'quickfix') === 'quickfix')) {
        actions.push(action(doc, fix, [d], CodeActionKind.QuickFix));
      }
      // After moving to another branch the lock is stale too: offer to re-lock, as for stale-lock.
      if (f.code === 'stale-lock' || f.code === 'unsupported-nixpkgs-branch') {
        actions.push({
          title: 'Update flake.lock (nix flake lock)',
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          command: { title: 'Update flake.lock', command: UPDATE_LOCK_COMMAND, arguments: [uri] },
        });
      }
      if (f.code === 'missing-follows') followsDiagnostics.push(d);
      actions.push({
        title: `Ignore ${f.code} on this line`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        edit: { changes: { [uri]: [textEdit(doc, ignoreEdit(doc.getText(), f))] } },
      });
    }
    const all = followsDiagnostics.length ? combineFollowsFixes([...(byId?.values() ?? [])]) : undefined;
    if (all) actions.push(action(doc, all, followsDiagnostics, CodeActionKind.QuickFix));
    return actions;
  }

  private async fixAll(state: DocumentState, doc: TextDocument): Promise<CodeAction[]> {
    const settings = await this.settings.get(doc.uri);
    const edits = fixAllEdits(settings.enable ? this.analysis.findings(state, settings) : []);
    if (edits.length === 0) return [];
    return [
      {
        title: 'Fix all Flake Lens problems that have a safe fix',
        kind: FIX_ALL_KIND,
        edit: { changes: { [doc.uri]: edits.map((e) => textEdit(doc, e)) } },
      },
    ];
  }
}

function action(doc: TextDocument, fix: Fix, diagnostics: Diagnostic[], kind: string): CodeAction {
  return {
    title: fix.title,
    kind,
    diagnostics: diagnostics.length ? diagnostics : undefined,
    isPreferred: fix.preferred,
    edit: { changes: { [doc.uri]: fix.edits.map((e) => textEdit(doc, e)) } },
  };
}

function textEdit(doc: TextDocument, e: { start: number; end: number; newText: string }): TextEdit {
  return { range: spanRange(doc, e), newText: e.newText };
}
