// The fuzzed properties, shared by the bounded run in `npm test` (test/unit/fuzz.test.ts) and the
// long run (`npm run fuzz`, test/fuzz/run.ts).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { ResponseError } from 'vscode-jsonrpc';
import { firstVisits } from '../../client/src/inputsModel';
import { resolveSettings } from '../../server/src/config';
import { printTree, buildGraph, findDuplicates } from '../../server/src/lock/graph';
import { parseLock } from '../../server/src/lock/lockfile';
import { lockLinks } from '../../server/src/lock/navigation';
import { ParsedNix } from '../../server/src/nix/parser';
import { analyseLock } from '../../server/src/rules/analyse';
import { flakeContext, graphDto } from '../../server/src/rules/flake';
import { LspClient } from '../helpers/lspClient';
import { BASE_FLAKE, EditSpec, editSpec, lockObject, mutatedLock, nixDocument, pathologicalLock, resolveEdit, ShapeSizes } from './generators';

const settings = resolveSettings({});

/** Offsets of findings lie within the text they are about. */
function assertInside(findings: { start: number; end: number }[], text: string, what: string): void {
  for (const f of findings) assert.ok(f.start >= 0 && f.start <= f.end && f.end <= text.length, `${what}: finding at ${f.start}-${f.end} outside 0-${text.length}`);
}

/**
 * A flake.lock through the lock model (parse, graph, duplicates, rules, links, tree) and the
 * client's tree model (the DTO the server sends, then firstVisits): nothing throws, findings
 * stay inside the text, and every first visit names a node of the DTO.
 */
export function checkLock(lockText: string, flake: ParsedNix): void {
  const parsed = parseLock(lockText);
  assertInside(parsed.errors, lockText, 'parseLock');
  if (parsed.lock) {
    const graph = buildGraph(parsed.lock);
    findDuplicates(graph);
    printTree(graph);
  }
  assertInside(analyseLock(lockText, settings), lockText, 'analyseLock');
  for (const l of lockLinks(lockText)) assert.ok(l.start <= l.end && l.end <= lockText.length);
  const ctx = flakeContext({ flakeText: flake.text, flakeRoot: flake.tree.rootNode, lockText });
  const dto = graphDto(ctx, 'file:///fuzz/flake.nix', 'file:///fuzz/flake.lock', 'fuzz');
  for (const key of firstVisits(dto).keys()) assert.ok(key in dto.nodes, `firstVisits expands ${key}, not a node of the DTO`);
}

/** `before` sees each case first (the long run saves it, so a case that hangs can be replayed). */
export function lockProperty(sizes: ShapeSizes, flake: ParsedNix, corpus: string[], before?: (text: string) => void): fc.IPropertyWithHooks<[string]> {
  const lock = fc.oneof(
    lockObject(12).map((o) => JSON.stringify(o, null, 2)),
    pathologicalLock(sizes),
    ...(corpus.length ? [fc.constantFrom(...corpus).chain(mutatedLock)] : []),
  );
  return fc.property(lock, (text) => {
    before?.(text);
    checkLock(text, flake);
  });
}

export async function parsedBaseFlake(): Promise<ParsedNix> {
  return ParsedNix.create(BASE_FLAKE);
}

// ---- over LSP ----

const shape = (ds: Diagnostic[]) => ds.map((d) => [d.code, d.severity, d.range, d.message]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

let counter = 0;

/** A request that must succeed: a response error is a failure (the params here are always valid). */
async function mustAnswer<T>(p: Promise<T>, what: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ResponseError) assert.fail(`${what} failed with ${e.code}: ${e.message}`);
    throw e;
  }
}

async function openAndWait(client: LspClient, uri: string, text: string): Promise<Diagnostic[]> {
  const wait = client.diagnostics(uri, (p) => p.version === 1, 30000);
  await client.open(uri, text);
  return (await wait).diagnostics;
}

async function close(client: LspClient, uri: string): Promise<void> {
  await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
}

/**
 * A document opened and edited through the real server, with hovers and code actions between
 * edits: no request fails, the diagnostics of the last version equal those of a fresh open of the
 * same text, and every quick fix of a file that parses leaves a file that parses.
 */
export async function lspSession(client: LspClient, doc: string, edits: EditSpec[], name: string): Promise<void> {
  const n = ++counter;
  const uri = `file:///fuzz/${n}/a/${name}`;
  let text = doc;
  await openAndWait(client, uri, text);
  let version = 1;
  const requests: Promise<unknown>[] = [];
  // Waiting from before the first edit: the last version may be published before the loop ends.
  const last = 1 + edits.length;
  const wait = edits.length ? client.diagnostics(uri, (p) => p.version === last, 30000) : undefined;
  // Awaited below, after the requests; a timeout while they are pending is reported there.
  wait?.catch(() => undefined);
  for (const [i, spec] of edits.entries()) {
    const before = TextDocument.create(uri, 'nix', version, text);
    const e = resolveEdit(text, spec);
    text = text.slice(0, e.start) + e.text + text.slice(e.end);
    version++;
    await client.change(uri, version, [{ range: { start: before.positionAt(e.start), end: before.positionAt(e.end) }, text: e.text }]);
    if (i % 3 === 0) {
      // Positions in the text as it is now (the server has every edit sent so far).
      const now = TextDocument.create(uri, 'nix', version, text);
      const position = now.positionAt(Math.floor(spec.at * text.length));
      const range = { start: position, end: now.positionAt(Math.min(text.length, now.offsetAt(position) + 10)) };
      requests.push(mustAnswer(client.request('textDocument/hover', { textDocument: { uri }, position }), 'hover'));
      requests.push(mustAnswer(client.request('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: client.latest.get(uri)?.diagnostics ?? [] } }), 'codeAction'));
      requests.push(mustAnswer(client.request('textDocument/definition', { textDocument: { uri }, position }), 'definition'));
      requests.push(mustAnswer(client.request('textDocument/documentLink', { textDocument: { uri } }), 'documentLink'));
    }
  }
  // A request after the last edit, so the debounced analysis is not needed for it to publish.
  requests.push(mustAnswer(client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } }), 'hover'));
  await Promise.all(requests);
  const incremental = wait ? (await wait).diagnostics : (client.latest.get(uri)?.diagnostics ?? []);
  const freshUri = `file:///fuzz/${n}/b/${name}`;
  const fresh = await openAndWait(client, freshUri, text);
  // The parse budget is CPU time, and an incremental parse does less work than a fresh one: near
  // the budget one can finish and the other not. Such a text is compared by nothing else.
  const overBudget = (ds: Diagnostic[]) => ds.some((d) => d.code === 'too-large' && String(d.message).includes('parsing it took more than'));
  if (!overBudget(incremental) && !overBudget(fresh)) {
    assert.deepEqual(shape(incremental), shape(fresh), 'diagnostics after edits differ from a fresh open of the same text');
  }

  // Only a file known to parse: one over the parse budget (too-large) may hold a syntax error.
  if (!fresh.some((d) => d.code === 'syntax' || d.code === 'too-large')) {
    const doc = TextDocument.create(freshUri, 'nix', 1, text);
    for (const d of fresh.slice(0, 4)) {
      const actions = await mustAnswer(client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: freshUri }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } }), 'codeAction');
      for (const a of actions) {
        const edits = a.edit?.changes?.[freshUri];
        if (!edits) continue;
        const fixed = TextDocument.applyEdits(doc, edits);
        const fixedUri = `file:///fuzz/${n}/fix${++counter}/${name}`;
        const after = await openAndWait(client, fixedUri, fixed);
        await close(client, fixedUri);
        assert.ok(!after.some((x) => x.code === 'syntax'), `quick fix "${a.title}" broke a file that parsed:\n${fixed}`);
      }
    }
  }
  await close(client, uri);
  await close(client, freshUri);
}

export function lspProperty(client: LspClient, sizes: ShapeSizes, maxEdits: number): fc.IAsyncPropertyWithHooks<[string, EditSpec[], string]> {
  return fc.asyncProperty(nixDocument(sizes), fc.array(editSpec(sizes), { maxLength: maxEdits }), fc.constantFrom('flake.nix', 'default.nix'), (doc, edits, name) =>
    lspSession(client, doc, edits, name),
  );
}

/** A client for fuzzing: analysis right after each edit burst, so runs are short. */
export async function fuzzClient(): Promise<LspClient> {
  const client = new LspClient();
  client.settings = { '*': { debounceMs: 0 } };
  await client.initialize();
  return client;
}
