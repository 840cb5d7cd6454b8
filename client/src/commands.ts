// Commands are small factories over the context.
import * as vscode from 'vscode';
import type { Context } from './context';

export type Factory = (ctx: Context) => (...args: unknown[]) => unknown;

const restartServer: Factory = (ctx) => async () => {
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Restarting Flake Lens server' },
    () => ctx.restart(),
  );
};

const showOutput: Factory = (ctx) => () => ctx.output.show(true);

export const COMMANDS: Record<string, Factory> = {
  'flakeLens.restartServer': restartServer,
  'flakeLens.showOutput': showOutput,
};

export function registerCommands(ctx: Context, extra: Record<string, Factory> = {}): void {
  for (const [id, factory] of Object.entries({ ...COMMANDS, ...extra })) {
    ctx.push(vscode.commands.registerCommand(id, factory(ctx)));
  }
}
