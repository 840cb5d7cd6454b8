// The extension entry point: builds the context that owns the language client and every disposable.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Context } from './context';
import { registerCommands } from './commands';
import { INPUTS_COMMANDS, updateNixContext } from './inputsCommands';
import { InputsTreeProvider, registerInputsView } from './inputsTree';
import { registerInputGraph } from './graph/panel';

/** What `activate()` returns: the end-to-end tests drive the extension through it. */
export interface FlakeLensApi {
  readonly client: LanguageClient | undefined;
  readonly inputsTree: InputsTreeProvider | undefined;
}

let ctx: Context | undefined;

export async function activate(extensionContext: vscode.ExtensionContext): Promise<FlakeLensApi> {
  const c = (ctx = new Context(extensionContext));
  registerCommands(c, INPUTS_COMMANDS);
  updateNixContext();
  const tree = registerInputsView(c);
  registerInputGraph(c);
  await c.start();
  return {
    get client() {
      return c.client;
    },
    inputsTree: tree,
  };
}

export async function deactivate(): Promise<void> {
  await ctx?.dispose();
  ctx = undefined;
}
