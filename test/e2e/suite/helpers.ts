// Shared helpers for the end-to-end suites. They run inside a real extension host and use only
// the `vscode` API; every wait is on an event (or a bounded re-check), never a fixed sleep.
import * as assert from 'assert';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'flake-lens.flake-lens';
export const SOURCE = 'flake-lens';
export const FIX_ALL_KIND = vscode.CodeActionKind.Source.append('fixAll').append('flakeLens');

/** What `activate()` of the extension resolves to. */
export interface FlakeLensApi {
  client: unknown;
  inputsTree: vscode.TreeDataProvider<unknown>;
}

const WAIT_MS = Number(process.env.FLAKE_LENS_E2E_WAIT_MS || 30000);
/** Once a wait for diagnostics has timed out without flake-lens ever publishing one, the server is
 *  taken as silent and later diagnostic waits fail after this much instead, to keep the run short. */
const SILENT_WAIT_MS = 5000;
let sawDiagnostics = false;
let serverSilent = false;

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the end-to-end tests need the fixture workspace open as a folder');
  return folder.uri;
}

export function fixtureUri(relativePath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relativePath.split('/'));
}

/**
 * Resolves once `probe` returns something other than undefined, re-checking whenever one of
 * `events` fires, and every `recheckMs` when given (for state that has no change event).
 */
export function waitFor<T>(
  description: string,
  probe: () => T | undefined | Promise<T | undefined>,
  events: vscode.Event<unknown>[] = [],
  options: { timeoutMs?: number; recheckMs?: number; describe?: () => string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? WAIT_MS;
  return new Promise<T>((resolve, reject) => {
    let finished = false;
    let checking = false;
    let again = false;
    const subscriptions = events.map((event) => event(() => void check()));
    const timer = setTimeout(() => {
      finish();
      const state = options.describe ? `\n${options.describe()}` : '';
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}${state}`));
    }, timeoutMs);
    const interval = options.recheckMs ? setInterval(() => void check(), options.recheckMs) : undefined;
    function finish() {
      finished = true;
      clearTimeout(timer);
      if (interval) clearInterval(interval);
      subscriptions.forEach((s) => s.dispose());
    }
    async function check(): Promise<void> {
      if (finished) return;
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const value = await probe();
          if (value !== undefined && !finished) {
            finish();
            resolve(value);
            return;
          }
        } while (again && !finished);
      } catch (err) {
        if (!finished) {
          finish();
          reject(err);
        }
      } finally {
        checking = false;
      }
    }
    void check();
  });
}

export function codeOf(d: vscode.Diagnostic): string | undefined {
  const code = d.code;
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}

export function flakeDiagnostics(uri: vscode.Uri, code?: string): vscode.Diagnostic[] {
  const ours = vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
  if (ours.length > 0) sawDiagnostics = true;
  return ours.filter((d) => code === undefined || codeOf(d) === code);
}

export function describeDiagnostics(uri: vscode.Uri): string {
  const all = vscode.languages.getDiagnostics(uri);
  if (all.length === 0) return `no diagnostics for ${uri.fsPath}`;
  return `diagnostics for ${uri.fsPath}:\n${all
    .map((d) => `  [${d.source}/${codeOf(d)}] ${fmtRange(d.range)} ${d.message}`)
    .join('\n')}`;
}

export function fmtRange(r: vscode.Range): string {
  return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`;
}

/** Waits until the flake-lens diagnostics of `uri` satisfy `predicate`; returns them. */
export function waitForDiagnostics(
  uri: vscode.Uri,
  description: string,
  predicate: (diagnostics: vscode.Diagnostic[]) => boolean,
  timeoutMs?: number,
): Promise<vscode.Diagnostic[]> {
  return waitFor(
    `${description} in ${vscode.workspace.asRelativePath(uri)}`,
    () => {
      const ds = flakeDiagnostics(uri);
      return predicate(ds) ? ds : undefined;
    },
    [vscode.languages.onDidChangeDiagnostics],
    {
      timeoutMs: serverSilent && !sawDiagnostics ? SILENT_WAIT_MS : timeoutMs,
      describe: () => describeDiagnostics(uri) + (sawDiagnostics ? '' : '\n(flake-lens has published no diagnostic in this run)'),
    },
  ).catch((err: unknown) => {
    if (!sawDiagnostics) serverSilent = true;
    throw err;
  });
}

export async function waitForCode(uri: vscode.Uri, code: string): Promise<vscode.Diagnostic[]> {
  await waitForDiagnostics(uri, `a '${code}' diagnostic`, (ds) => ds.some((d) => codeOf(d) === code));
  return flakeDiagnostics(uri, code);
}

export async function activateExtension(): Promise<FlakeLensApi> {
  const ext = vscode.extensions.getExtension<FlakeLensApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  return ext.activate();
}

const pristine = new Map<string, string>();

/** Opens a fixture file in an editor; remembers its first-seen text for resetDocument(). */
export async function openFixture(relativePath: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(fixtureUri(relativePath));
  if (!pristine.has(doc.uri.toString())) pristine.set(doc.uri.toString(), doc.getText());
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** Puts a fixture back to the text it had when first opened, saved to disk. */
export async function resetDocument(doc: vscode.TextDocument): Promise<void> {
  const original = pristine.get(doc.uri.toString());
  assert.ok(original !== undefined, `${doc.uri.fsPath} was not opened through openFixture()`);
  if (doc.getText() !== original) {
    // Diagnostics carry the document version they were made for (quick fixes are looked up by it),
    // so wait for the server to publish again for the restored text before the next test uses them.
    let republished = false;
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === doc.uri.toString())) republished = true;
    });
    try {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), original);
      assert.ok(await vscode.workspace.applyEdit(edit), 'could not restore the fixture text');
      if (doc.isDirty) await doc.save();
      await waitFor('diagnostics for the restored text', () => (republished ? true : undefined), [vscode.languages.onDidChangeDiagnostics], {
        timeoutMs: 15000,
      });
    } finally {
      sub.dispose();
    }
  }
  if (doc.isDirty) await doc.save();
  assert.strictEqual(doc.getText(), original);
}

/** The range of the `occurrence`-th match of `text` in the document. */
export function rangeOf(doc: vscode.TextDocument, text: string, occurrence = 0): vscode.Range {
  const all = doc.getText();
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = all.indexOf(text, at + 1);
    assert.ok(at >= 0, `'${text}' (#${occurrence + 1}) not found in ${doc.uri.fsPath}`);
  }
  return new vscode.Range(doc.positionAt(at), doc.positionAt(at + text.length));
}

export function lineOf(doc: vscode.TextDocument, text: string): number {
  return rangeOf(doc, text).start.line;
}

/** Code actions VS Code would offer for `range` (optionally only of `kind`). */
export async function codeActionsAt(
  uri: vscode.Uri,
  range: vscode.Range,
  kind?: vscode.CodeActionKind,
): Promise<vscode.CodeAction[]> {
  const actions =
    (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      'vscode.executeCodeActionProvider',
      uri,
      range,
      kind?.value,
    )) ?? [];
  // Plain commands (a string `command`) are not code actions.
  return actions.filter((a): a is vscode.CodeAction => typeof (a as vscode.Command).command !== 'string');
}

/** Applies a code action the way the lightbulb does: its edit, then its command. */
export async function applyCodeAction(action: vscode.CodeAction): Promise<void> {
  if (action.edit) assert.ok(await vscode.workspace.applyEdit(action.edit), `edit of '${action.title}' was rejected`);
  if (action.command) {
    await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
  }
}

export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : String(c)))
    .join('\n');
}

export function labelOf(item: vscode.TreeItem): string {
  const label = item.label;
  if (label === undefined) return '';
  return typeof label === 'string' ? label : label.label;
}

/** Collapses whitespace, for comparing generated Nix text. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
