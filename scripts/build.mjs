// Bundles the client, the server and the CLI into dist/ and puts both wasm files beside them.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });

// web-tree-sitter's default entry is ESM; bundled into CJS it fails at Parser.init(). Take the .cjs entry.
const webTreeSitterCjs = require.resolve('web-tree-sitter', { paths: [root] });
const aliasWebTreeSitter = {
  name: 'web-tree-sitter-cjs',
  setup(build) {
    build.onResolve({ filter: /^web-tree-sitter$/ }, () => ({ path: webTreeSitterCjs }));
  },
};

const watch = process.argv.includes('--watch');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [aliasWebTreeSitter],
  external: ['vscode'],
  define: { FLAKE_LENS_VERSION: JSON.stringify(require(join(root, 'package.json')).version) },
};
const entries = [
  { entryPoints: [join(root, 'client/src/extension.ts')], outfile: join(dist, 'extension.js') },
  { entryPoints: [join(root, 'server/src/lsp/server.ts')], outfile: join(dist, 'server.js') },
  { entryPoints: [join(root, 'server/src/cli/cli.ts')], outfile: join(dist, 'cli.js'), banner: { js: '#!/usr/bin/env node' } },
  // The input graph webview (dagre included): a browser script, minified, loaded only when the panel opens.
  { entryPoints: [join(root, 'client/src/graph/webview/main.ts')], outfile: join(dist, 'webview', 'graph.js'), platform: 'browser', format: 'iife', target: 'chrome114', minify: true, external: [] },
];

copyFileSync(join(dirname(webTreeSitterCjs), 'web-tree-sitter.wasm'), join(dist, 'web-tree-sitter.wasm'));
copyFileSync(join(root, 'server/grammar/tree-sitter-nix.wasm'), join(dist, 'tree-sitter-nix.wasm'));

if (watch) {
  for (const e of entries) await (await esbuild.context({ ...common, ...e })).watch();
} else {
  await Promise.all(entries.map((e) => esbuild.build({ ...common, ...e })));
}
