// npm run fuzz -- --minutes N --seed S [--max-repeat R]
// Runs the fuzz properties (test/fuzz/properties.ts) with larger shapes until the time is up, one
// seed after another starting at S, and saves each failure, shrunk by fast-check to a minimal
// case, as test/fuzz/failures/<property>-seed<seed>.json (seed and path replay it exactly).
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { seedLocks } from './corpus';
import { fuzzClient, lockProperty, lspProperty, parsedBaseFlake } from './properties';
import { REPO } from '../helpers/lspClient';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

const FAILURES = path.join(REPO, 'test', 'fuzz', 'failures');

async function main(): Promise<void> {
  const minutes = arg('minutes', 5);
  let seed = arg('seed', Date.now() % 1_000_000);
  const sizes = { maxRepeat: arg('max-repeat', 5000) };
  const deadline = Date.now() + minutes * 60_000;
  const flake = await parsedBaseFlake();
  const locks = seedLocks(50);
  let client = await fuzzClient();
  let failures = 0;
  let runs = 0;
  console.log(`fuzzing for ${minutes} min from seed ${seed}, shapes up to ${sizes.maxRepeat} repeats`);
  while (Date.now() < deadline) {
    for (const [name, check] of [
      ['lock', () => fc.check(lockProperty(sizes, flake, locks), { seed, numRuns: 200 })],
      ['lsp', () => fc.check(lspProperty(client, sizes, 60), { seed, numRuns: 20, interruptAfterTimeLimit: Math.max(1000, deadline - Date.now()) })],
    ] as const) {
      if (Date.now() >= deadline) break;
      const details = await check();
      runs += details.numRuns;
      if (!details.failed) continue;
      failures++;
      fs.mkdirSync(FAILURES, { recursive: true });
      const file = path.join(FAILURES, `${name}-seed${seed}.json`);
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      fs.writeFileSync(file, JSON.stringify({ property: name, seed, path: details.counterexamplePath, counterexample: details.counterexample, error, stderr: client.stderr.slice(-4000) }, null, 2) + '\n');
      console.log(`FAIL ${name} seed ${seed}: ${error.split('\n')[0]}\n  saved ${path.relative(REPO, file)}`);
      if (name === 'lsp') {
        // The server may be dead or wedged: start a new one for the next seed.
        client.proc.kill();
        client = await fuzzClient();
      }
    }
    seed++;
  }
  await client.shutdown().catch(() => undefined);
  flake.dispose();
  console.log(`${runs} cases, ${failures} failure(s)`);
  process.exitCode = failures ? 1 : 0;
}

void main();
