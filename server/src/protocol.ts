// Custom LSP messages and shared constants, typed once here and imported by both client and server.
// Keep this file free of Node and vscode imports: the client bundles it too.

/** The code action kind of "fix all": `editor.codeActionsOnSave: { "source.fixAll.flakeLens": "explicit" }`. */
export const FIX_ALL_KIND = 'source.fixAll.flakeLens';

export const DOCS_BASE = 'https://github.com/flake-lens/flake-lens/blob/main/docs/rules/';

export function docsUrl(code: string): string {
  return `${DOCS_BASE}${code}.md`;
}
