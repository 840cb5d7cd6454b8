// npm run fuzz -- --minutes N --seed S [--max-repeat R] [--only lock|lsp]
// Runs the fuzz properties (test/fuzz/properties.ts) with larger shapes until the time is up, one
// seed after another starting at S, and saves each failure, shrunk by fast-check to a minimal
// case, as test/fuzz/failures/<property>-seed<seed>.json (seed and path replay it exactly).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
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
/** The lock case the worker is running, kept until it ends. */
const CURRENT = path.join(FAILURES, '.current-lock-case.json');

interface LockResult {
  failed: boolean;
  numRuns: number;
  counterexamplePath?: string | null;
  counterexample?: unknown;
  error?: string;
}

/** The lock property in a worker: a case that hangs (super-linear work) can be ended and reported. */
function checkLocksInWorker(seed: number, sizes: { maxRepeat: number }, limitMs: number): Promise<LockResult> {
  return new Promise((resolve) => {
    const worker = new Worker(__filename, { workerData: { seed, sizes }, resourceLimits: { maxOldGenerationSizeMb: 2048 } });
    const timer = setTimeout(() => {
      void worker.terminate();
      // The case that was running: the worker saved it before starting it.
      const hung = path.join(FAILURES, `lock-seed${seed}-hang.json`);
      if (fs.existsSync(CURRENT)) fs.renameSync(CURRENT, hung);
      resolve({ failed: true, numRuns: 0, error: `a case ran over ${limitMs / 1000} s (hang or super-linear work), saved as ${path.relative(REPO, hung)}` });
    }, limitMs);
    worker.once('message', (r: LockResult) => {
      clearTimeout(timer);
      resolve(r);
    });
    worker.once('error', (e) => {
      clearTimeout(timer);
      resolve({ failed: true, numRuns: 0, error: `worker died: ${e.message}` });
    });
  });
}

async function lockWorker(): Promise<void> {
  const { seed, sizes } = workerData as { seed: number; sizes: { maxRepeat: number } };
  const flake = await parsedBaseFlake();
  fs.mkdirSync(FAILURES, { recursive: true });
  const save = (text: string) => fs.writeFileSync(CURRENT, JSON.stringify({ property: 'lock', seed, lockText: text }) + '\n');
  parentPort!.postMessage(summary(fc.check(lockProperty(sizes, flake, seedLocks(50), save), { seed, numRuns: 200 })));
  fs.rmSync(CURRENT, { force: true });
}

function summary<T>(d: fc.RunDetails<T>): LockResult {
  const error = d.errorInstance instanceof Error ? d.errorInstance.message : d.failed ? String(d.errorInstance) : undefined;
  return { failed: d.failed, numRuns: d.numRuns, counterexamplePath: d.counterexamplePath, counterexample: d.counterexample, error };
}

async function main(): Promise<void> {
  const minutes = arg('minutes', 5);
  let seed = arg('seed', Date.now() % 1_000_000);
  const sizes = { maxRepeat: arg('max-repeat', 5000) };
  const deadline = Date.now() + minutes * 60_000;
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  let client = await fuzzClient();
  let failures = 0;
  let runs = 0;
  console.log(`fuzzing for ${minutes} min from seed ${seed}, shapes up to ${sizes.maxRepeat} repeats`);
  while (Date.now() < deadline) {
    for (const [name, check] of [
      ['lock', () => checkLocksInWorker(seed, sizes, 120_000)],
      ['lsp', async () => summary(await fc.check(lspProperty(client, sizes, 60), { seed, numRuns: 20, interruptAfterTimeLimit: Math.max(1000, deadline - Date.now()) }))],
    ] as const) {
      if (Date.now() >= deadline) break;
      if (only && only !== name) continue;
      const details = await check();
      runs += details.numRuns;
      if (!details.failed) continue;
      failures++;
      fs.mkdirSync(FAILURES, { recursive: true });
      const file = path.join(FAILURES, `${name}-seed${seed}.json`);
      const error = details.error ?? 'unknown';
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
  console.log(`${runs} cases, ${failures} failure(s)`);
  process.exitCode = failures ? 1 : 0;
}

// A case interrupted at the deadline keeps running; its late failure is not a new one.
process.on('unhandledRejection', (e) => console.log(`(after an interrupted case) ${String(e).split('\n')[0]}`));
if (isMainThread) void main();
else void lockWorker();
