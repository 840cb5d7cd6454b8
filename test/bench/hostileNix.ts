// Hostile .nix shapes from issue 9, for the bench's "hostile input" table: parse and analyse one
// shape in-process and report what happened. Figures only; nothing here asserts a time.
import { performance } from 'node:perf_hooks';
import { analyseFlake, tooLarge } from '../../server/src/rules/analyse';
import { resolveSettings } from '../../server/src/config';
import { ParsedNix, loadNix } from '../../server/src/nix/parser';

/** Name → text. The shapes, and deep trees that once made passes after the parse quadratic. */
export const HOSTILE_NIX: Record<string, () => string> = {
  'ReDoS input name `(a+)+`': () =>
    `{ inputs."(a+)+".url = "github:NixOS/nixpkgs";\n  outputs = { ... }@inputs: {\n` +
    `    a = import inputs."(a+)+" { system = "x"; config.allowUnfree = true; };\n` +
    `    b = import inputs."(a+)+" { system = "x"; config.allowUnfree = true; };\n    c = "${'a'.repeat(40)}";\n  };\n}\n`,
  "',/*' x 40,000 (120 KB)": () => ',/*'.repeat(40000),
  "'x' + '.a' x 20,000 (40 KB)": () => 'x' + '.a'.repeat(20000),
  "'or ' x 26,667 (80 KB)": () => 'or '.repeat(26667),
  "'f' + ' import' x 10,000 (70 KB)": () => 'f' + ' import'.repeat(10000),
  "'a = 1;' x 2,700 lines, no braces": () => 'a = 1;\n'.repeat(2700),
  "'(' x 20,000 'x' ')' x 20,000": () => '('.repeat(20000) + 'x' + ')'.repeat(20000),
  "inputs.a.inputs… x 5,000 (45 KB)": () => '{ inputs' + '.a.inputs'.repeat(5000) + '.a.url = "x"; outputs = _: {}; }',
};

export interface HostileNixResult {
  name: string;
  chars: number;
  /** `ok` (analysed, N findings), `too-complex` (over the parse budget) or the error thrown. */
  outcome: string;
  parseMs: number;
  analyseMs: number;
  /** CPU time of both, in ms. */
  cpuMs: number;
  /** Resident set size after the run, in MB (the process's, so shared with whatever ran before). */
  rssMB: number;
}

/** Parses and analyses one shape as a flake.nix, the way the server and the CLI do. */
export async function measureHostileNix(name: string, text: string): Promise<HostileNixResult> {
  const language = await loadNix();
  const settings = resolveSettings({});
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const parsed = ParsedNix.tryCreate(language, text);
  const t1 = performance.now();
  let outcome: string;
  try {
    const findings = parsed ? analyseFlake({ text, tree: parsed.tree, isFlake: true, settings }).findings : tooLarge(text, settings, 'too-complex');
    outcome = parsed ? `ok, ${findings.length} findings` : 'too-complex';
  } catch (e) {
    outcome = `error: ${(e as Error).message}`;
  } finally {
    parsed?.dispose();
  }
  const t2 = performance.now();
  const used = process.cpuUsage(cpu);
  return {
    name,
    chars: text.length,
    outcome,
    parseMs: Math.round(t1 - t0),
    analyseMs: Math.round(t2 - t1),
    cpuMs: Math.round((used.user + used.system) / 1000),
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
  };
}

/** Every shape, in order. */
export async function benchHostileNix(): Promise<HostileNixResult[]> {
  const out: HostileNixResult[] = [];
  for (const [name, make] of Object.entries(HOSTILE_NIX)) out.push(await measureHostileNix(name, make()));
  return out;
}
