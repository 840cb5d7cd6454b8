// A sweep of large and pathological .nix shapes (up to flakeLens.maxFileSize) against every request
// the server answers, and the CLI's check and fix: the slowest answer per request and the server's
// peak memory, per shape. Figures only; nothing here asserts a time.
//   node out/test/bench/requestSweep.js [--only SUBSTRING] [--repeat 3] [--parse-ms 600] [--server dist/server.js] [--cli dist/cli.js]
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { ParsedNix, loadNix } from '../../server/src/nix/parser';
import { REPO, SERVER } from '../helpers/lspClient';

const MAX_SIZE = 4_000_000;
/** Shapes are grown until their parse takes this long in this process (under the 1 s budget). */
let PARSE_TARGET_MS = 600;

export interface SweepShape {
  name: string;
  file: 'flake.nix' | 'default.nix';
  /** The text for a size parameter n (grown by doubling). */
  make: (n: number) => string;
  /** flake.lock beside it, for the same n. */
  lock?: (n: number) => string;
  start?: number;
}

const gh = (i: number) => ({
  locked: { type: 'github', owner: 'o', repo: `r${i}`, rev: String(i).padStart(40, '0'), lastModified: 1700000000, narHash: 'sha256-x' },
  original: { type: 'github', owner: 'o', repo: `r${i}` },
});

/** A lock whose root has inputs i0…i(n-1), each a github node. */
export function inputsLock(n: number): string {
  const inputs: Record<string, string> = {};
  const nodes: Record<string, unknown> = { root: { inputs } };
  for (let i = 0; i < n; i++) {
    inputs[`i${i}`] = `i${i}`;
    nodes[`i${i}`] = gh(i);
  }
  return JSON.stringify({ nodes, root: 'root', version: 7 }, null, 2);
}

const range = (n: number, f: (i: number) => string, sep = '\n') => Array.from({ length: n }, (_, i) => f(i)).join(sep);
const nixpkgsFlake = (body: string, args = '{ self, nixpkgs, ... }@inputs') =>
  `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";\n  outputs = ${args}: ${body};\n}\n`;

export const SWEEP_SHAPES: SweepShape[] = [
  { name: 'inputs.iN.url x N, no lock', file: 'flake.nix', make: (n) => `{\n${range(n, (i) => `  inputs.i${i}.url = "github:o/r${i}";`)}\n  outputs = { self, ... }@inputs: { };\n}\n` },
  {
    name: 'inputs.iN.url x N, matching lock',
    file: 'flake.nix',
    make: (n) => `{\n${range(n, (i) => `  inputs.i${i}.url = "github:o/r${i}";`)}\n  outputs = { self, ... }@inputs: { };\n}\n`,
    lock: (n) => inputsLock(n),
  },
  {
    name: 'inputs.iN.url + follows x N, formals',
    file: 'flake.nix',
    make: (n) => `{\n${range(n, (i) => `  inputs.i${i} = { url = "github:o/r${i}"; inputs.nixpkgs.follows = "nixpkgs"; };`)}\n  outputs = { self, ${range(n, (i) => `i${i}`, ', ')} }: { };\n}\n`,
  },
  { name: 'import nixpkgs {...} x N', file: 'flake.nix', make: (n) => nixpkgsFlake(`{\n${range(n, (i) => `    p${i} = import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; };`)}\n  }`) },
  { name: 'alias chain a1 = inputs.nixpkgs; a2 = a1; ... x N', file: 'flake.nix', make: (n) => nixpkgsFlake(`let\n    a0 = inputs.nixpkgs;\n${range(n, (i) => `    a${i + 1} = a${i};`)}\n  in { p = import a${n} { system = "x"; }; q = import a${n} { system = "y"; }; }`) },
  { name: 'inherit (inputs) i0 ... iN', file: 'flake.nix', make: (n) => nixpkgsFlake(`let inherit (inputs) ${range(n, (i) => `i${i}`, ' ')}; in { p = import nixpkgs { }; }`) },
  { name: 'string of N ${x} interpolations', file: 'flake.nix', make: (n) => nixpkgsFlake(`let x = "a"; in { s = "${range(n, () => 'ab${x}cd', '')}"; }`) },
  { name: "indented string '' of N ${x} lines", file: 'flake.nix', make: (n) => nixpkgsFlake(`let x = "a"; in { s = ''\n${range(n, (i) => `      line ${i} \${x} $\${y} ''\${z}`)}\n  ''; }`) },
  { name: '1 MB-scale comment lines x N', file: 'flake.nix', make: (n) => nixpkgsFlake(`{\n${range(n, (i) => `    # comment ${i} with \${interp} and "quotes" and import nixpkgs {}`)}\n    p = import nixpkgs { };\n  }`) },
  { name: 'with x; nested N deep', file: 'default.nix', make: (n) => `${'with x; '.repeat(n)}y\n` },
  { name: 'let a = 1; in nested N deep', file: 'default.nix', make: (n) => `${range(n, (i) => `let a${i} = ${i}; in`, ' ')} a0\n` },
  { name: 'deep attrpath a.b.c... N long, in a binding', file: 'flake.nix', make: (n) => nixpkgsFlake(`{ ${range(n, (i) => `a${i}`, '.')} = import nixpkgs { }; }`) },
  { name: 'N bindings on one line', file: 'flake.nix', make: (n) => nixpkgsFlake(`{ ${range(n, (i) => `p${i} = import nixpkgs { system = "x"; };`, ' ')} }`) },
  { name: 'legacyPackages.x86_64-linux.hello x N', file: 'flake.nix', make: (n) => nixpkgsFlake(`{\n${range(n, (i) => `    p${i} = nixpkgs.legacyPackages.x86_64-linux.hello;`)}\n  }`) },
  { name: 'builtins.currentSystem x N', file: 'flake.nix', make: (n) => nixpkgsFlake(`{\n${range(n, (i) => `    p${i} = builtins.currentSystem;`)}\n  }`) },
  { name: 'builtins.currentSystem x N, non-flake', file: 'default.nix', make: (n) => `{\n${range(n, (i) => `  p${i} = import <nixpkgs> { system = builtins.currentSystem; };`)}\n}\n` },
  {
    name: 'genAttrs/map bodies importing nixpkgs x N',
    file: 'flake.nix',
    make: (n) => nixpkgsFlake(`let lib = nixpkgs.lib; in {\n${range(n, (i) => `    p${i} = lib.genAttrs [ "x86_64-linux" ] (system: import nixpkgs { inherit system; });\n    q${i} = map (system: import nixpkgs { inherit system; }) [ "a" ];`)}\n  }`),
  },
  { name: '# flake-lens: ignore comments x N', file: 'flake.nix', make: (n) => nixpkgsFlake(`{\n${range(n, (i) => `    # flake-lens: ignore impure-in-flake repeated-import\n    p${i} = builtins.currentSystem;`)}\n  }`) },
  { name: 'control characters in strings x N', file: 'flake.nix', make: (n) => nixpkgsFlake(`{\n${range(n, (i) => `    p${i} = "\x01\x1b[2J\x7f\u202e${i}";`)}\n  }`) },
  { name: 'CRLF: import nixpkgs x N', file: 'flake.nix', make: (n) => nixpkgsFlake(`{\n${range(n, (i) => `    p${i} = import nixpkgs { system = "x86_64-linux"; };`)}\n  }`).replace(/\n/g, '\r\n') },
  { name: 'inputs nested inputs.a.inputs.a... N deep', file: 'flake.nix', make: (n) => `{ inputs${'.a.inputs'.repeat(n)}.a.url = "x"; outputs = _: {}; }\n` },
  { name: 'very long line: one string of N chars', file: 'flake.nix', make: (n) => nixpkgsFlake(`{ s = "${'x'.repeat(n)}"; }`), start: 1000 },
];

/** The CPU time of one parse here, in ms; undefined past 10 s. */
function parseCpuMs(language: Awaited<ReturnType<typeof loadNix>>, text: string): number | undefined {
  const c0 = process.cpuUsage();
  const parsed = ParsedNix.tryCreate(language, text, 10_000);
  const used = process.cpuUsage(c0);
  parsed?.dispose();
  return parsed ? (used.user + used.system) / 1000 : undefined;
}

/** The largest n (doubling) whose text is at most MAX_SIZE and parses within PARSE_TARGET_MS here. */
async function sizeFor(shape: SweepShape): Promise<{ n: number; text: string; parseMs: number }> {
  const language = await loadNix();
  let best: { n: number; text: string; parseMs: number } | undefined;
  for (let n = shape.start ?? 16; ; n *= 2) {
    const text = shape.make(n);
    if (text.length > MAX_SIZE) break;
    const ms = parseCpuMs(language, text);
    if (ms === undefined || ms > PARSE_TARGET_MS) break;
    best = { n, text, parseMs: ms };
  }
  if (!best) best = { n: shape.start ?? 16, text: shape.make(shape.start ?? 16), parseMs: NaN };
  // Between the last n that fit and the next, try 1.5 n.
  const mid = Math.floor(best.n * 1.5);
  const text = shape.make(mid);
  if (text.length <= MAX_SIZE) {
    const ms = parseCpuMs(language, text);
    if (ms !== undefined && ms <= PARSE_TARGET_MS) best = { n: mid, text, parseMs: ms };
  }
  return best;
}

function peakRssMb(pid: number | undefined): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return undefined;
  }
}

/** The CPU time a process has used, in ms (from /proc, 10 ms resolution): unlike the clock's time, not inflated by other work on a shared machine. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

interface Timing {
  /** The most CPU time the server spent on one of these requests. */
  cpu: number;
  max: number;
  n: number;
  note?: string;
}

interface Position {
  line: number;
  character: number;
}

/** Positions spread over the text: the first non-blank character and the middle of evenly spaced lines, and the end. */
function probePositions(text: string, count = 12): Position[] {
  const lines = text.split(/\r?\n/);
  const out: Position[] = [];
  for (let k = 0; k < count; k++) {
    const line = Math.min(lines.length - 1, Math.floor((k * lines.length) / count));
    const l = lines[line];
    const first = l.length - l.trimStart().length;
    out.push({ line, character: first }, { line, character: Math.floor(l.length / 2) });
    // Where a long line is, probe inside it too.
    if (l.length > 1000) for (const f of [0.25, 0.75, 0.999]) out.push({ line, character: Math.floor(l.length * f) });
  }
  const last = lines.length - 1;
  out.push({ line: last, character: lines[last].length });
  return out;
}

async function runShape(server: string, cli: string, shape: SweepShape, repeat: number, timeoutMs: number) {
  const { n, text, parseMs } = await sizeFor(shape);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-sweep-'));
  const file = path.join(dir, shape.file);
  fs.writeFileSync(file, text);
  const lock = shape.lock?.(n);
  if (lock) fs.writeFileSync(path.join(dir, 'flake.lock'), lock);
  const uri = pathToFileURL(file).href;
  const proc: ChildProcess = spawn('nice', [process.execPath, '--max-old-space-size=4096', ...(process.env.FLAKE_LENS_SWEEP_NODE_ARGS?.split(' ').filter(Boolean) ?? []), server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (b) => (stderr += String(b)));
  const conn: MessageConnection = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  let diagnostics: unknown[] = [];
  let published: (() => void) | undefined;
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: unknown[] }) => {
    if (p.uri === uri) {
      diagnostics = p.diagnostics;
      published?.();
    }
  });
  const logs: string[] = [];
  conn.onNotification('window/logMessage', (p: { message: string }) => void logs.push(p.message));
  conn.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => ({})));
  conn.onRequest('client/registerCapability', () => null);
  conn.onError(() => undefined);
  conn.listen();
  const times: Record<string, Timing> = {};
  const died = new Promise<'died'>((r) => proc.once('exit', () => r('died')));
  const timed = async (what: string, send: () => Promise<unknown>): Promise<unknown> => {
    const t0 = performance.now();
    const c0 = cpuMs(proc.pid);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    let result: unknown;
    const r = await Promise.race([send().then((x) => ((result = x), 'ok' as const), (e) => ((result = e), 'error' as const)), died, timeout]);
    const ms = performance.now() - t0;
    const t = (times[what] ??= { cpu: 0, max: 0, n: 0 });
    t.max = Math.max(t.max, ms);
    t.cpu = Math.max(t.cpu, cpuMs(proc.pid) - c0);
    t.n++;
    if (r !== 'ok') t.note = r === 'error' ? `error ${String((result as Error)?.message ?? result).slice(0, 80)}` : r;
    if (r === 'died' || r === 'timeout') throw new Error(`${what}: ${r}`);
    return result;
  };
  let note = '';
  const lines = text.split('\n');
  const whole = { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: lines[lines.length - 1].length } };
  try {
    await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: { workspace: { configuration: true } } });
    await conn.sendNotification('initialized', {});
    await timed('open', async () => {
      const first = new Promise<void>((r) => (published = r));
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version: 1, text } });
      await first;
    });
    const positions = probePositions(text);
    const td = { uri };
    for (let rep = 0; rep < repeat; rep++) {
      for (const position of positions) await timed('hover', () => conn.sendRequest('textDocument/hover', { textDocument: td, position }));
      for (const position of positions) await timed('definition', () => conn.sendRequest('textDocument/definition', { textDocument: td, position }));
      await timed('codeAction all diags', () => conn.sendRequest('textDocument/codeAction', { textDocument: td, range: whole, context: { diagnostics } }));
      await timed('codeAction fixAll', () => conn.sendRequest('textDocument/codeAction', { textDocument: td, range: whole, context: { diagnostics: [], only: ['source.fixAll.flakeLens'] } }));
      for (const position of positions.slice(0, 8)) {
        const here = (diagnostics as { range: { start: Position } }[]).filter((d) => d.range.start.line === position.line);
        await timed('codeAction point', () => conn.sendRequest('textDocument/codeAction', { textDocument: td, range: { start: position, end: position }, context: { diagnostics: here } }));
      }
      await timed('documentLink', () => conn.sendRequest('textDocument/documentLink', { textDocument: td }));
      await timed('inlayHint', () => conn.sendRequest('textDocument/inlayHint', { textDocument: td, range: whole }));
      await timed('inputGraph', () => conn.sendRequest('flakeLens/inputGraph', { uris: [uri] }));
      await timed('inputGraph all', () => conn.sendRequest('flakeLens/inputGraph', {}));
      // An edit in the middle, then a hover: the incremental re-parse and the analysis after it.
      const mid = positions[Math.floor(positions.length / 2)];
      await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 + rep * 2 }, contentChanges: [{ range: { start: mid, end: mid }, text: ' ' }] });
      await timed('edit+hover', () => conn.sendRequest('textDocument/hover', { textDocument: td, position: mid }));
      const after = { line: mid.line, character: mid.character + 1 };
      await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 + rep * 2 }, contentChanges: [{ range: { start: mid, end: after }, text: '' }] });
      await timed('edit+codeAction', () => conn.sendRequest('textDocument/codeAction', { textDocument: td, range: whole, context: { diagnostics: [] } }));
    }
  } catch (e) {
    note = String((e as Error).message ?? e);
  }
  const mb = peakRssMb(proc.pid);
  if (process.env.FLAKE_LENS_SWEEP_NODE_ARGS) {
    // A clean exit lets --cpu-prof write its profile.
    await conn.sendRequest('shutdown').catch(() => undefined);
    await conn.sendNotification('exit').catch(() => undefined);
    await Promise.race([died, new Promise((r) => setTimeout(r, 10_000))]);
  }
  conn.dispose();
  proc.kill('SIGKILL');
  const slow = logs.filter((l) => /over the|failed|uncaught/.test(l)).slice(0, 3);
  // The CLI on the same folder.
  const cliRun = (args: string[]) => {
    const t0 = performance.now();
    // GNU time prints the peak resident set size (KB) on stderr's last line.
    const r = spawnSync('nice', ['/usr/bin/time', '-f', '%U %S %M', process.execPath, cli, ...args], { timeout: timeoutMs * 3, maxBuffer: 1 << 30 });
    const [user, sys, kb] = (String(r.stderr).trim().split('\n').pop() ?? '').split(' ').map(Number);
    return { ms: performance.now() - t0, cpu: (user + sys) * 1000, status: r.status, mb: kb / 1024 };
  };
  const check = cliRun(['check', '--format', 'json', dir]);
  const fix = cliRun(['fix', dir]);
  fs.rmSync(dir, { recursive: true, force: true });
  return { n, chars: text.length, parseMs, findings: diagnostics.length, times, mb, note, slow, check, fix, stderr: stderr.slice(0, 200) };
}

async function main(): Promise<void> {
  const at = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const only = at('only') ?? process.env.FLAKE_LENS_SWEEP_ONLY;
  const names = only?.split('|');
  const repeat = Number(at('repeat') ?? 3);
  if (at('parse-ms')) PARSE_TARGET_MS = Number(at('parse-ms'));
  const server = at('server') ? path.resolve(at('server')!) : SERVER;
  const cli = at('cli') ? path.resolve(at('cli')!) : path.join(REPO, 'dist', 'cli.js');
  for (const shape of SWEEP_SHAPES) {
    if (names && !names.some((n) => shape.name.includes(n))) continue;
    const r = await runShape(server, cli, shape, repeat, 60_000);
    const worst = Object.entries(r.times).sort((a, b) => b[1].cpu - a[1].cpu);
    const fmt = worst.map(([k, t]) => `${k} ${t.cpu.toFixed(0)}/${t.max.toFixed(0)}${t.note ? `(${t.note})` : ''}`).join(', ');
    console.log(
      `${shape.name} | n=${r.n} ${(r.chars / 1e6).toFixed(2)} MB parse ${r.parseMs.toFixed(0)} ms | ${r.findings} diags | peak ${r.mb?.toFixed(0)} MB | cli check ${r.check.cpu.toFixed(0)}/${r.check.ms.toFixed(0)} ms ${r.check.mb.toFixed(0)} MB (${r.check.status}) fix ${r.fix.cpu.toFixed(0)}/${r.fix.ms.toFixed(0)} ms ${r.fix.mb.toFixed(0)} MB (${r.fix.status})${r.note ? ` | ${r.note}` : ''}\n    server CPU/clock ms, slowest of each: ${fmt}${r.slow.length ? `\n    log: ${r.slow.join(' / ').slice(0, 300)}` : ''}`,
    );
  }
}

if (require.main === module) {
  void main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
