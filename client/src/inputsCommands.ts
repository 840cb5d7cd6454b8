// Commands of the Flake Inputs view and of stale-lock fixes. Those that run nix do so only in a
// trusted workspace and when a `nix` executable is on PATH (found without running anything),
// with an argument vector, never through a shell: input names come from flake.lock.
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Context } from './context';
import type { InputsItem } from './inputsTree';
import { FLAKE_FEATURES, isUpdatableInputName, nixVersion, updateInputArgs } from './inputsModel';
import type { Range, TextEditDto } from '../../server/src/protocol';

type Input = Extract<InputsItem, { kind: 'input' }>;
type Factory = (ctx: Context) => (...args: unknown[]) => unknown;

export function nixOnPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'nix');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const toRange = (r: Range) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

async function reveal(uri: string, range: Range): Promise<void> {
  const editor = await vscode.window.showTextDocument(vscode.Uri.parse(uri));
  editor.selection = new vscode.Selection(toRange(range).start, toRange(range).end);
  editor.revealRange(toRange(range), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

function asInput(arg: unknown): Input | undefined {
  const item = arg as InputsItem | undefined;
  return item?.kind === 'input' ? item : undefined;
}

/** Runs nix without a shell; its output goes to the Flake Lens output channel, shown. */
async function runNix(ctx: Context, cwd: string, args: string[], title: string): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Flake Lens runs nix only in a trusted workspace.');
    return;
  }
  const nix = nixOnPath();
  if (!nix) {
    void vscode.window.showWarningMessage('Flake Lens: no `nix` executable on PATH.');
    return;
  }
  const out = ctx.output;
  out.info(`${title}: ${JSON.stringify([nix, ...args])} in ${cwd}`);
  out.show(true);
  const status = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Flake Lens: ${title}`, cancellable: true },
    (_progress, token) =>
      new Promise<number | string>((resolve) => {
        const child = spawn(nix, args, { cwd, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
        let partial = '';
        const log = (chunk: Buffer) => {
          const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
          partial = lines.pop() ?? '';
          for (const line of lines) out.info(line);
        };
        child.stdout.on('data', log);
        child.stderr.on('data', log);
        token.onCancellationRequested(() => child.kill());
        child.on('error', (e) => resolve(String(e)));
        child.on('close', (code, signal) => {
          if (partial) out.info(partial);
          resolve(code ?? String(signal));
        });
      }),
  );
  if (status === 0) void vscode.window.showInformationMessage(`Flake Lens: ${title} finished.`);
  else void vscode.window.showWarningMessage(`Flake Lens: ${title} failed (${status}); see the Flake Lens output.`);
}

const refresh: Factory = (ctx) => () => (ctx.inputsTree as { refresh?: () => void } | undefined)?.refresh?.();

const goToDeclaration: Factory = () => async (arg) => {
  const item = asInput(arg);
  if (item?.edge.declaration) await reveal(item.flake.flakeUri, item.edge.declaration);
  else void vscode.window.showInformationMessage('Flake Lens: flake.nix does not declare this input itself.');
};

const openInLock: Factory = () => async (arg) => {
  const item = asInput(arg);
  if (item?.node?.lockRange && item.flake.lockUri) await reveal(item.flake.lockUri, item.node.lockRange);
};

const copyReference: Factory = () => async (arg) => {
  const ref = asInput(arg)?.node?.reference;
  if (ref) {
    await vscode.env.clipboard.writeText(ref);
    // The status bar reads `$(name)` as an icon: the reference comes from the lock.
    void vscode.window.setStatusBarMessage(`Copied ${ref.replace(/\$\(/g, '\\$(')}`, 3000);
  }
};

const openUpstream: Factory = () => async (arg) => {
  const url = asInput(arg)?.node?.webUrl;
  // The server only sends checked http(s) URLs; check again before handing one to the browser.
  if (url && /^https?:\/\//.test(url)) await vscode.env.openExternal(vscode.Uri.parse(url));
};

const addFollows: Factory = (ctx) => async (arg) => {
  const item = asInput(arg);
  const fix = item?.edge.addFollows;
  if (!item || !fix) return;
  const edit = new vscode.WorkspaceEdit();
  const uri = vscode.Uri.parse(item.flake.flakeUri);
  for (const e of fix.edits as TextEditDto[]) edit.replace(uri, toRange(e.range), e.newText);
  if (!(await vscode.workspace.applyEdit(edit))) ctx.output.warn(`could not apply: ${fix.title}`);
};

const updateInput: Factory = (ctx) => async (arg) => {
  const item = asInput(arg);
  if (!item) return;
  const dir = path.dirname(vscode.Uri.parse(item.flake.flakeUri).fsPath);
  const input = item.path[0];
  if (!isUpdatableInputName(input)) {
    void vscode.window.showWarningMessage(`Flake Lens: ${JSON.stringify(input.slice(0, 80))} is not an input name nix can update.`);
    return;
  }
  await runNix(ctx, dir, updateInputArgs(await installedNixVersion(), input), `nix flake update ${input}`);
};

/** The installed Nix's version (runs `nix --version`; only ever called in a trusted workspace). */
async function installedNixVersion(): Promise<[number, number] | undefined> {
  const nix = vscode.workspace.isTrusted ? nixOnPath() : undefined;
  if (!nix) return undefined;
  return new Promise((resolve) => {
    execFile(nix, ['--version'], { timeout: 5000 }, (err, stdout) => resolve(err ? undefined : nixVersion(stdout)));
  });
}

/** Server-provided fix for stale-lock: argument is the flake.nix or flake.lock URI. */
const updateLock: Factory = (ctx) => async (arg) => {
  const uri = typeof arg === 'string' ? vscode.Uri.parse(arg) : vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== 'file') return;
  await runNix(ctx, path.dirname(uri.fsPath), [...FLAKE_FEATURES, 'flake', 'lock'], 'nix flake lock');
};

export const INPUTS_COMMANDS: Record<string, Factory> = {
  'flakeLens.inputs.refresh': refresh,
  'flakeLens.inputs.goToDeclaration': goToDeclaration,
  'flakeLens.inputs.openInLock': openInLock,
  'flakeLens.inputs.copyReference': copyReference,
  'flakeLens.inputs.openUpstream': openUpstream,
  'flakeLens.inputs.addFollows': addFollows,
  'flakeLens.inputs.updateInput': updateInput,
  'flakeLens.updateLock': updateLock,
};

/** Context keys for `when` clauses: nix available and the workspace trusted. */
export function updateNixContext(): void {
  void vscode.commands.executeCommand('setContext', 'flakeLens.nixAvailable', !!nixOnPath());
}
