// The "hostile input" table of `npm run bench`: the shapes of issue 9 (items 8-14), each opened in
// a fresh server process, with the time to its first diagnostics (or to the answer of the request
// that used to be slow) and the server's peak memory. Nothing here asserts a time.
//   node out/test/bench/hostileBench.js [--server path/to/server.js] [--timeout-s 20]
// measures another build (e.g. an older dist/) the same way.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { SERVER } from '../helpers/lspClient';
import { syntheticFlake } from './bench';
import { MAX_LOCK_NODES } from '../../server/src/lock/lockfile';

interface Shape {
  name: string;
  /** flake.nix text; the file is opened in the server. */
  flake: string;
  /** flake.lock beside it on disk, when the shape is a lock. */
  lock?: string;
  /** What is timed after the first diagnostics: nothing ('open'), a hover on the first input, 50 edits then a hover ('burst'), fix-all over the whole file, or the input graph. */
  measure: 'open' | 'hover' | 'burst' | 'fixAll' | 'inputGraph';
}

const gh = (i: number) => ({
  locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: String(i).padStart(40, '0'), lastModified: 1700000000 + i, narHash: 'sha256-x' },
  original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs' },
});
const LOCK_FLAKE = '{\n  inputs.a.url = "github:NixOS/nixpkgs";\n  outputs = { self, a }: { };\n}\n';
const lockJson = (nodes: Record<string, unknown>) => JSON.stringify({ nodes, root: 'root', version: 7 });

export function chainLock(n: number): string {
  const nodes: Record<string, unknown> = { root: { inputs: { a: 'n0' } } };
  for (let i = 0; i < n; i++) nodes[`n${i}`] = { ...gh(i), inputs: i + 1 < n ? { a: `n${i + 1}` } : {} };
  return lockJson(nodes);
}

export function duplicatesLock(n: number): string {
  const inputs: Record<string, string> = { a: 'p' };
  const nodes: Record<string, unknown> = { root: { inputs }, p: gh(0) };
  for (let i = 0; i < n; i++) {
    inputs[`i${i}`] = `i${i}`;
    nodes[`i${i}`] = { ...gh(i + 1), inputs: { nixpkgs: `d${i}` } };
    nodes[`d${i}`] = gh(i + 10_000);
  }
  return lockJson(nodes);
}

function followsChainLock(n: number): string {
  const inputs: Record<string, unknown> = { a: 'p' };
  for (let i = 0; i < n; i++) inputs[`f${i}`] = [i + 1 < n ? `f${i + 1}` : 'a'];
  return lockJson({ root: { inputs }, p: gh(0) });
}

function slashesLock(bytes: number): string {
  const url = 'https://x' + '/'.repeat(bytes) + 'y';
  return lockJson({ root: { inputs: { a: 'a' } }, a: { locked: { type: 'git', url, rev: 'a'.repeat(40) }, original: { type: 'git', url } } });
}

/** Each node's inputs `a` and `b` both lead to the next node: 2^n input paths to the last one. */
export function diamondLock(n: number): string {
  const nodes: Record<string, unknown> = { root: { inputs: { a: 'n0' } } };
  for (let i = 0; i < n; i++) nodes[`n${i}`] = { ...gh(i), inputs: i + 1 < n ? { a: `n${i + 1}`, b: `n${i + 1}` } : {} };
  return lockJson(nodes);
}

/** `n` nodes that each list every one of `fanout` other nodes as an input: n × fanout edges. */
export function denseLock(n: number, fanout: number): string {
  const inputs: Record<string, string> = { a: 'n0' };
  const nodes: Record<string, unknown> = { root: { inputs } };
  for (let i = 0; i < n; i++) {
    const own: Record<string, string | string[]> = {};
    for (let j = 0; j < fanout; j++) own[`i${j}`] = j % 2 ? `n${(i + j) % n}` : ['a'];
    nodes[`n${i}`] = { ...gh(i), inputs: own };
  }
  return lockJson(nodes);
}

/** A lock of `n` nodes, each a root input, padded to about `bytes` with descriptions. */
function bigLock(bytes: number): string {
  const n = 2000;
  const pad = 'x'.repeat(Math.max(0, Math.floor(bytes / n) - 300));
  const inputs: Record<string, string> = { a: 'n0' };
  const nodes: Record<string, unknown> = { root: { inputs } };
  for (let i = 0; i < n; i++) {
    inputs[`i${i}`] = `n${i}`;
    nodes[`n${i}`] = { ...gh(i), original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: pad } };
  }
  return lockJson(nodes);
}

/** `inputs.iN.url` for N inputs, with `a` first (the hover's target). */
function manyInputs(n: number): string {
  const lines = Array.from({ length: n }, (_, i) => `  inputs.i${i}.url = "github:o/r${i}";`).join('\n');
  return `{\n  inputs.a.url = "github:NixOS/nixpkgs";\n${lines}\n  outputs = { self, a }: { };\n}\n`;
}

/** N copies of `import nixpkgs { system = …; <extra>}`. */
function manyImports(n: number, extra: string): string {
  const body = Array.from({ length: n }, (_, i) => `    p${i} = import nixpkgs { system = "x86_64-linux"; ${extra}};`).join('\n');
  return `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  outputs = { self, nixpkgs }: {\n${body}\n  };\n}\n`;
}

/** i0 follows i1 … follows nixpkgs, declared in that order. */
function followsChainFlake(n: number): string {
  const decls = Array.from({ length: n }, (_, i) => `  inputs.i${i}.follows = "${i + 1 < n ? `i${i + 1}` : 'nixpkgs'}";`).join('\n');
  return `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n${decls}\n  outputs = { self, nixpkgs, ... }: { p = import nixpkgs { system = "x"; }; };\n}\n`;
}

export function hostileShapes(): Shape[] {
  const imp = 'import inputs."(a+)+" { inherit system; config.allowUnfree = true; }';
  const redos = `{\n  inputs."(a+)+".url = "github:NixOS/nixpkgs/nixos-unstable";\n  outputs = { self, ... }@inputs: let system = "x86_64-linux"; in {\n    a = ${imp};\n    b = ${imp};\n    c = "${'a'.repeat(40)}!";\n  };\n}\n`;
  return [
    { name: '8 ReDoS: input "(a+)+" imported twice, 40 a\'s', flake: redos, measure: 'open' },
    { name: '9 lock URL of 150 KB of slashes; hover', flake: LOCK_FLAKE, lock: slashesLock(150_000), measure: 'hover' },
    { name: '10 chain lock of 4,000 nodes; hover', flake: LOCK_FLAKE, lock: chainLock(4000), measure: 'hover' },
    { name: '10 chain lock of 4,999 nodes (the node limit); hover', flake: LOCK_FLAKE, lock: chainLock(MAX_LOCK_NODES - 1), measure: 'hover' },
    { name: '10 chain lock of 9,999 nodes (over the limit); hover', flake: LOCK_FLAKE, lock: chainLock(9999), measure: 'hover' },
    { name: '10 diamond lock, 2^4,999 paths; hover', flake: LOCK_FLAKE, lock: diamondLock(MAX_LOCK_NODES - 1), measure: 'hover' },
    { name: '10 dense lock, 100 nodes x 600 inputs (the value limit); hover', flake: LOCK_FLAKE, lock: denseLock(100, 600), measure: 'hover' },
    { name: '10 dense lock, 1,000 nodes x 1,000 inputs (over); hover', flake: LOCK_FLAKE, lock: denseLock(1000, 1000), measure: 'hover' },
    { name: '10 lock with 2,499 duplicates (the node limit); hover', flake: LOCK_FLAKE, lock: duplicatesLock((MAX_LOCK_NODES - 2) / 2), measure: 'hover' },
    { name: '10 lock with 1,000 duplicates; hover', flake: LOCK_FLAKE, lock: duplicatesLock(1000), measure: 'hover' },
    { name: '11 follows chain of 20,000 links; hover', flake: LOCK_FLAKE, lock: followsChainLock(20_000), measure: 'hover' },
    { name: '11 inputs nested 2,000 deep; hover', flake: LOCK_FLAKE, lock: chainLock(2000), measure: 'hover' },
    { name: "12 ',/*' x 40,000 (120 KB)", flake: ',/*'.repeat(40_000), measure: 'open' },
    { name: "12 'x' + '.a' x 20,000 (40 KB)", flake: 'x' + '.a'.repeat(20_000), measure: 'open' },
    { name: '12 60 KB flake.nix', flake: syntheticFlake(1500), measure: 'open' },
    { name: "12 'or ' x 26,000 (80 KB)", flake: '{ a = x ' + 'or '.repeat(26_000) + '; }', measure: 'open' },
    { name: "13 2,700 'a = 1;' lines without braces", flake: 'a = 1;\n'.repeat(2700), measure: 'open' },
    { name: '14 14 KB brace-less bindings; 50-edit burst + hover', flake: 'a = 1;\n'.repeat(2000), measure: 'burst' },
    { name: '14 5 MB lock; hover', flake: LOCK_FLAKE, lock: bigLock(5_000_000), measure: 'hover' },
    { name: '14 15.9 MB lock (the size limit); hover', flake: LOCK_FLAKE, lock: bigLock(15_900_000), measure: 'hover' },
    { name: '14 20 MB lock; hover', flake: LOCK_FLAKE, lock: bigLock(20_000_000), measure: 'hover' },
    // From the request sweep (test/bench/requestSweep.ts).
    { name: 'sweep: inputs.iN.url x 25,000 (1 MB); hover', flake: manyInputs(25_000), measure: 'hover' },
    { name: 'sweep: 2,000 copies of one import; fix-all', flake: manyImports(2000, 'config.allowUnfree = true; '), measure: 'fixAll' },
    { name: 'sweep: 5,000 system-only imports; fix-all', flake: manyImports(5000, ''), measure: 'fixAll' },
    { name: 'sweep: follows chain of 20,000 inputs', flake: followsChainFlake(20_000), measure: 'open' },
    { name: "sweep: flake.nix over the parse budget; input graph", flake: ',/*'.repeat(40_000), measure: 'inputGraph' },
  ];
}

/** CPU seconds (user + system) the process has used: steadier than wall time on a busy machine. */
function cpuMs(proc: ChildProcess): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = 100;

function peakRssMb(proc: ChildProcess): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return undefined;
  }
}

/** One shape in a fresh server: ms to the first diagnostics, ms of the request after it (undefined on timeout or death), peak RSS. */
async function runShape(server: string, shape: Shape, timeoutMs: number): Promise<{ open?: number; request?: number; cpu?: number; mb?: number; note: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-hostile-'));
  const flakePath = path.join(dir, 'flake.nix');
  fs.writeFileSync(flakePath, shape.flake);
  if (shape.lock) fs.writeFileSync(path.join(dir, 'flake.lock'), shape.lock);
  const uri = pathToFileURL(flakePath).href;
  const proc = spawn(process.execPath, ['--max-old-space-size=4096', server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stderr!.resume();
  const conn: MessageConnection = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  let published: (() => void) | undefined;
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string }) => {
    if (p.uri === uri) published?.();
  });
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
  conn.onRequest('client/registerCapability', () => null);
  conn.onError(() => undefined);
  conn.listen();
  let peak: number | undefined;
  const sampler = setInterval(() => (peak = peakRssMb(proc) ?? peak), 50);
  const died = new Promise<'died'>((r) => proc.once('exit', () => r('died')));
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
  let note = '';
  let open: number | undefined;
  let request: number | undefined;
  let cpu0: number | undefined;
  try {
    await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { workspace: { configuration: true } } });
    await conn.sendNotification('initialized', {});
    cpu0 = cpuMs(proc);
    const firstDiagnostics = new Promise<void>((r) => (published = r));
    const race = (p: Promise<unknown>) => Promise.race([p.then(() => 'ok' as const, () => 'error' as const), died, timeout]);
    const t0 = performance.now();
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version: 1, text: shape.flake } });
    const opened = await race(firstDiagnostics);
    if (opened === 'ok') open = performance.now() - t0;
    note = opened === 'ok' ? '' : `open: ${opened}`;
    if (opened === 'ok' && shape.measure !== 'open') {
      // The request that used to be slow, once the file is open and analysed.
      const t1 = performance.now();
      let work: Promise<unknown>;
      if (shape.measure === 'hover') {
        // The first input's name in `outputs = { self, a }`.
        const line = shape.flake.split('\n').findIndex((l) => l.includes('{ self, a }'));
        work = conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: shape.flake.split('\n')[line].indexOf(' a }') + 1 } });
      } else if (shape.measure === 'fixAll') {
        const lines = shape.flake.split('\n');
        const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
        work = conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end }, context: { diagnostics: [], only: ['source.fixAll.flakeLens'] } });
      } else if (shape.measure === 'inputGraph') {
        work = conn.sendRequest('flakeLens/inputGraph', { uris: [uri] });
      } else {
        work = (async () => {
          for (let v = 2; v <= 51; v++) {
            await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ range: { start: { line: 0, character: 5 }, end: { line: 0, character: 5 } }, text: '1' }] });
          }
          return conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
        })();
      }
      const r = await race(work);
      if (r === 'ok' || r === 'error') request = performance.now() - t1;
      note = r === 'ok' ? '' : `${shape.measure}: ${r}`;
    }
  } catch (e) {
    note = `error: ${String(e).slice(0, 60)}`;
  }
  clearInterval(sampler);
  const cpu1 = cpuMs(proc);
  const cpu = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined;
  peak = peakRssMb(proc) ?? peak;
  conn.dispose();
  proc.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
  return { open, request, cpu, mb: peak, note };
}

export async function benchHostile(server = SERVER, timeoutMs = 20_000): Promise<void> {
  console.log(`\nhostile input (${path.relative(process.cwd(), server) || server}; each shape in a fresh server, limit ${timeoutMs / 1000} s)`);
  // CPU: the server's user + system time from the open to the end of the request (both timed
  // columns), which stays put when other processes share the cores.
  console.log(`${'shape'.padEnd(56)} ${'size'.padStart(9)} ${'open'.padStart(9)} ${'request'.padStart(9)} ${'CPU'.padStart(9)} ${'peak RSS'.padStart(9)}`);
  const only = process.env.FLAKE_LENS_HOSTILE_ONLY;
  for (const shape of hostileShapes()) {
    if (only && !shape.name.includes(only)) continue;
    const r = await runShape(server, shape, timeoutMs);
    const ms = (t: number | undefined, wanted: boolean) => (!wanted ? '' : t !== undefined ? `${t.toFixed(0)} ms` : `> ${timeoutMs / 1000} s`);
    const mem = r.mb !== undefined ? `${r.mb.toFixed(0)} MB` : '?';
    const kb = (shape.flake.length + (shape.lock?.length ?? 0)) / 1024;
    const size = kb < 1024 ? `${kb.toFixed(0)} KB` : `${(kb / 1024).toFixed(1)} MB`;
    const open = ms(r.open, true);
    const request = ms(r.request, shape.measure !== 'open' && r.open !== undefined);
    const cpu = r.cpu !== undefined ? `${r.cpu.toFixed(0)} ms` : '?';
    console.log(`${shape.name.padEnd(56)} ${size.padStart(9)} ${open.padStart(9)} ${request.padStart(9)} ${cpu.padStart(9)} ${mem.padStart(9)}${r.note ? `  (${r.note})` : ''}`);
  }
}

if (require.main === module) {
  const at = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  void benchHostile(at('server') ? path.resolve(at('server')!) : SERVER, Number(at('timeout-s') ?? 20) * 1000).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
