#!/usr/bin/env node
// Compiles test/e2e/**/*.ts (not bundled, CommonJS) into out/test/e2e/, the same layout `tsc -b`
// gives, without needing the rest of the project to typecheck. `tsc -b` still typechecks them.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function compileE2e() {
  const esbuild = await import('esbuild');
  const entryPoints = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (name === 'workspace' || name === 'node_modules') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) entryPoints.push(p);
    }
  };
  walk(join(root, 'test/e2e'));
  await esbuild.build({
    entryPoints,
    outdir: join(root, 'out/test/e2e'),
    outbase: join(root, 'test/e2e'),
    bundle: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return join(root, 'out/test/e2e');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await compileE2e();
  console.log(`compiled test/e2e into ${out}`);
}
