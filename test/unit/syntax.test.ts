import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vsctm from 'vscode-textmate';
import * as oniguruma from 'vscode-oniguruma';

/** Walks up from this file (src or out/) to the directory holding `syntaxes/`. */
function findRepoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'syntaxes')) && fs.existsSync(path.join(dir, 'package.json'))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no syntaxes/ directory above ${__dirname}`);
    dir = parent;
  }
}

const root = findRepoRoot();
const grammarPath = path.join(root, 'syntaxes', 'nix.tmLanguage.json');
const languageConfigPath = path.join(root, 'language-configuration.json');

let grammarPromise: Promise<vsctm.IGrammar> | undefined;

function loadGrammar(): Promise<vsctm.IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(new Uint8Array(wasm).buffer);
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => oniguruma.createOnigScanner(patterns),
        createOnigString: (s: string) => oniguruma.createOnigString(s),
      }),
      loadGrammar: async (scopeName: string) =>
        scopeName === 'source.nix'
          ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath)
          : null,
    });
    const grammar = await registry.loadGrammar('source.nix');
    if (!grammar) throw new Error('source.nix grammar did not load');
    return grammar;
  })();
  return grammarPromise;
}

interface Token {
  line: number;
  text: string;
  scopes: string[];
}

async function tokenize(source: string): Promise<Token[]> {
  const grammar = await loadGrammar();
  const tokens: Token[] = [];
  let state = vsctm.INITIAL;
  source.split('\n').forEach((lineText, line) => {
    const result = grammar.tokenizeLine(lineText, state);
    for (const t of result.tokens) {
      tokens.push({ line, text: lineText.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    state = result.ruleStack;
  });
  return tokens;
}

/** The nth (0-based) token whose text is exactly `text`. */
function tok(tokens: Token[], text: string, nth = 0): Token {
  const found = tokens.filter((t) => t.text === text);
  assert.ok(
    found.length > nth,
    `no token #${nth} with text ${JSON.stringify(text)}; tokens: ${JSON.stringify(tokens.map((t) => t.text))}`,
  );
  return found[nth];
}

function hasScope(t: Token, prefix: string): boolean {
  return t.scopes.some((s) => s === prefix || s.startsWith(prefix + '.'));
}

function assertScope(t: Token, prefix: string): void {
  assert.ok(hasScope(t, prefix), `${JSON.stringify(t.text)} should have ${prefix}, has ${t.scopes.join(' ')}`);
}

function assertNoScope(t: Token, prefix: string): void {
  assert.ok(!hasScope(t, prefix), `${JSON.stringify(t.text)} should not have ${prefix}, has ${t.scopes.join(' ')}`);
}

test('grammar metadata', () => {
  const raw = JSON.parse(fs.readFileSync(grammarPath, 'utf8'));
  assert.equal(raw.scopeName, 'source.nix');
  assert.ok(Array.isArray(raw.patterns) && raw.patterns.length > 0);
});

test('every include refers to an existing repository key', () => {
  const raw = JSON.parse(fs.readFileSync(grammarPath, 'utf8'));
  const keys = new Set(Object.keys(raw.repository ?? {}));
  const includes: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'include' && typeof v === 'string') includes.push(v);
        else walk(v);
      }
    }
  };
  walk(raw);
  assert.ok(includes.length > 10, 'expected the grammar to use its repository');
  for (const inc of includes) {
    if (inc === '$self' || inc === '$base' || inc === 'source.nix') continue;
    assert.match(inc, /^#/, `include ${inc} should be a repository reference`);
    assert.ok(keys.has(inc.slice(1)), `include ${inc} has no repository entry`);
  }
  // Every repository entry is reachable from somewhere (no dead rules).
  for (const key of keys) {
    assert.ok(includes.includes('#' + key), `repository entry ${key} is never included`);
  }
});

test('double-quoted string interpolation is not string-scoped', async () => {
  const t = await tokenize('x = "a ${b} c";');
  assertScope(tok(t, 'a '), 'string.quoted.double');
  const open = tok(t, '${');
  assertScope(open, 'punctuation.section.embedded.begin');
  assertNoScope(open, 'string');
  const b = tok(t, 'b');
  assertNoScope(b, 'string');
  assertScope(b, 'meta.embedded');
  assertScope(b, 'variable.other');
  assertScope(tok(t, '}'), 'punctuation.section.embedded.end');
  assertScope(tok(t, ' c'), 'string.quoted.double');
  assertNoScope(tok(t, ';'), 'string');
});

test('double-quoted string escapes', async () => {
  const t = await tokenize(String.raw`x = "q\" \${y} \\" + z;`);
  assertScope(tok(t, '\\"'), 'constant.character.escape');
  assertScope(tok(t, '\\$'), 'constant.character.escape');
  // `\${` is a literal, not an interpolation.
  const literal = t.find((x) => x.text.includes('{y}'));
  assert.ok(literal, 'escaped ${ should leave {y} as literal text');
  assertScope(literal, 'string.quoted.double');
  assert.ok(!t.some((x) => x.text === 'y'), 'y must not be tokenised as an expression');
  assertScope(tok(t, '\\\\'), 'constant.character.escape');
  // The string ends at the final unescaped quote; `z` is code again.
  assertNoScope(tok(t, 'z'), 'string');
  assertScope(tok(t, '+'), 'keyword.operator');
});

test("indented strings end at the right '' and ''' does not end them", async () => {
  const t = await tokenize(
    ["s = ''", "  a ''' b ''${c} ''\\n ${d}", "'';", 'after = 1;'].join('\n'),
  );
  assertScope(tok(t, "''"), 'punctuation.definition.string.begin');
  assertScope(tok(t, "'''"), 'constant.character.escape');
  assertScope(tok(t, "'''"), 'string.quoted.other');
  assertScope(tok(t, "''$"), 'constant.character.escape');
  assertScope(tok(t, "''\\n"), 'constant.character.escape');
  assert.ok(!t.some((x) => x.text === 'c'), "''${ must not start an interpolation");
  assertNoScope(tok(t, 'd'), 'string');
  assertScope(tok(t, 'd'), 'meta.embedded');
  const close = t.find((x) => x.line === 2 && x.text === "''");
  assert.ok(close, "closing '' on line 3");
  assertScope(close, 'punctuation.definition.string.end');
  const after = tok(t, 'after');
  assertNoScope(after, 'string');
  assertScope(after, 'entity.other.attribute-name');
});

test('comments', async () => {
  const t = await tokenize(['a = 1; # note {', '/* block', '   still */ b = "#x";'].join('\n'));
  assertScope(tok(t, '#'), 'comment.line.number-sign');
  assertScope(tok(t, '#'), 'punctuation.definition.comment');
  assertScope(tok(t, ' note {'), 'comment.line');
  assertScope(tok(t, '/*'), 'comment.block');
  assertScope(tok(t, '   still '), 'comment.block');
  assertScope(tok(t, '*/'), 'punctuation.definition.comment.end');
  assertScope(tok(t, 'b'), 'entity.other.attribute-name');
  assertNoScope(tok(t, '#x'), 'comment');
  assertScope(tok(t, '#x'), 'string');
});

test('function formals with @-pattern', async () => {
  const t = await tokenize('outputs = { self, nixpkgs, ... }@inputs: self;');
  assertScope(tok(t, 'outputs'), 'entity.other.attribute-name');
  assertScope(tok(t, 'self'), 'variable.parameter');
  assertScope(tok(t, 'nixpkgs'), 'variable.parameter');
  assertScope(tok(t, '...'), 'keyword.operator');
  assertScope(tok(t, '@'), 'keyword.operator');
  assertScope(tok(t, 'inputs'), 'variable.parameter');
  // The body's `self` is a use, not a parameter.
  assertNoScope(tok(t, 'self', 1), 'variable.parameter');
});

test('multi-line formals with defaults', async () => {
  const t = await tokenize(['args@{', '  lib,', '  pkgs ? null,', '  ...', '}:', 'lib'].join('\n'));
  assertScope(tok(t, 'args'), 'variable.parameter');
  assertScope(tok(t, 'lib'), 'variable.parameter');
  assertScope(tok(t, 'pkgs'), 'variable.parameter');
  assertScope(tok(t, 'null'), 'constant.language');
  assertNoScope(tok(t, 'null'), 'variable.parameter');
  assertScope(tok(t, ':'), 'punctuation.separator');
  assertNoScope(tok(t, 'lib', 1), 'variable.parameter');
});

test('simple lambda and let … in', async () => {
  const t = await tokenize('let f = x: x + 1; in f 2');
  assertScope(tok(t, 'let'), 'keyword.other.let');
  assertScope(tok(t, 'f'), 'entity.other.attribute-name');
  assertScope(tok(t, 'x'), 'variable.parameter');
  assertNoScope(tok(t, 'x', 1), 'variable.parameter');
  assertScope(tok(t, 'in'), 'keyword.other.in');
  assertScope(tok(t, 'f', 1), 'variable.other');
});

test('inherit (pkgs) system;', async () => {
  const t = await tokenize('{ inherit (pkgs) system hello; x = 1; }');
  assertScope(tok(t, 'inherit'), 'keyword.other.inherit');
  const pkgs = tok(t, 'pkgs');
  assertScope(pkgs, 'variable.other');
  assertNoScope(pkgs, 'entity.other.attribute-name');
  assertScope(tok(t, '('), 'punctuation.section.parens.begin');
  assertScope(tok(t, 'system'), 'entity.other.attribute-name');
  assertScope(tok(t, 'hello'), 'entity.other.attribute-name');
  assertScope(tok(t, ';'), 'punctuation.terminator');
  assertScope(tok(t, 'x'), 'entity.other.attribute-name');
});

test('attribute paths in bindings', async () => {
  const t = await tokenize('{ inputs.nixpkgs.url = "github:NixOS/nixpkgs"; a."b".${c} = d.e; }');
  for (const name of ['inputs', 'nixpkgs', 'url', 'a']) {
    assertScope(tok(t, name), 'entity.other.attribute-name');
  }
  assertScope(tok(t, '.'), 'punctuation.accessor');
  assertScope(tok(t, '='), 'keyword.operator.assignment');
  assertScope(tok(t, 'github:NixOS/nixpkgs'), 'string.quoted.double');
  assertScope(tok(t, 'b'), 'string.quoted.double');
  assertScope(tok(t, 'c'), 'meta.embedded');
  // On the right-hand side, d.e is an expression, not a binding.
  assertScope(tok(t, 'd'), 'variable.other');
  assertScope(tok(t, 'e'), 'variable.other.property');
  assertNoScope(tok(t, 'e'), 'entity.other.attribute-name');
});

test('paths', async () => {
  const t = await tokenize('[ ./a/b ../x /abs ~/x <nixpkgs> ./dir/${n}.nix a // b ]');
  for (const p of ['./a/b', '../x', '/abs', '~/x', './dir/', '.nix']) {
    assertScope(tok(t, p), 'string.unquoted.path');
  }
  assertScope(tok(t, 'nixpkgs'), 'string.unquoted.path');
  assertScope(tok(t, '<'), 'punctuation.definition.path.begin');
  assertScope(tok(t, 'n'), 'meta.embedded');
  assertNoScope(tok(t, 'n'), 'string');
  assertScope(tok(t, '//'), 'keyword.operator.update');
});

test('URIs', async () => {
  const t = await tokenize('[ github:NixOS/nixpkgs https://example.org/a?b=c ]');
  assertScope(tok(t, 'github:NixOS/nixpkgs'), 'string.unquoted.uri');
  assertScope(tok(t, 'https://example.org/a?b=c'), 'string.unquoted.uri');
});

test('numbers', async () => {
  const t = await tokenize('[ 42 1.5 .5 2.5e-3 x1 ]');
  assertScope(tok(t, '42'), 'constant.numeric.integer');
  assertScope(tok(t, '1.5'), 'constant.numeric.float');
  assertScope(tok(t, '.5'), 'constant.numeric.float');
  assertScope(tok(t, '2.5e-3'), 'constant.numeric.float');
  assertNoScope(tok(t, 'x1'), 'constant.numeric');
});

test('keywords, constants and builtins', async () => {
  const t = await tokenize(
    'rec { a = with x; if true then null else assert false; import ./f.nix (builtins.map throw (abort y)) or z; }',
  );
  assertScope(tok(t, 'rec'), 'storage.modifier');
  assertScope(tok(t, 'with'), 'keyword');
  for (const k of ['if', 'then', 'else', 'assert']) assertScope(tok(t, k), 'keyword.control');
  assertScope(tok(t, 'or'), 'keyword.operator');
  for (const c of ['true', 'null', 'false']) assertScope(tok(t, c), 'constant.language');
  assertScope(tok(t, 'builtins'), 'support.constant');
  for (const f of ['import', 'map', 'throw', 'abort']) assertScope(tok(t, f), 'support.function.builtin');
});

test('identifiers may contain - and \'', async () => {
  const t = await tokenize("x = foo-bar' - baz;");
  assertScope(tok(t, "foo-bar'"), 'variable.other');
  assertScope(tok(t, '-'), 'keyword.operator.arithmetic');
  assertScope(tok(t, 'baz'), 'variable.other');
});

test('operators', async () => {
  const ops = ['==', '!=', '<=', '>=', '&&', '||', '->', '//', '++', '?', '!', '+', '-', '*', '/', '<', '>', '|>'];
  const t = await tokenize('x = a ' + ops.map((op, i) => `${op} v${i}`).join(' ') + ';');
  for (const op of ops) assertScope(tok(t, op), 'keyword.operator');
  assertScope(tok(t, '='), 'keyword.operator.assignment');
});

test('nested interpolation "${ "${x}" }"', async () => {
  const t = await tokenize('y = "${ "${x}" }"; z = 1;');
  const x = tok(t, 'x');
  assertNoScope(x, 'string');
  assert.equal(x.scopes.filter((s) => s.startsWith('meta.embedded')).length, 2, x.scopes.join(' '));
  assertScope(tok(t, '"', 1), 'string.quoted.double');
  assertScope(tok(t, '"', 1), 'meta.embedded');
  const outerClose = tok(t, '"', 3);
  assertScope(outerClose, 'punctuation.definition.string.end');
  assertNoScope(outerClose, 'meta.embedded');
  assertScope(tok(t, 'z'), 'entity.other.attribute-name');
});

test('language-configuration.json', () => {
  const cfg = JSON.parse(fs.readFileSync(languageConfigPath, 'utf8'));
  assert.equal(cfg.comments.lineComment, '#');
  assert.deepEqual(cfg.comments.blockComment, ['/*', '*/']);
  assert.deepEqual(cfg.brackets, [
    ['{', '}'],
    ['[', ']'],
    ['(', ')'],
  ]);
  const pairs = new Map<string, { open: string; close: string; notIn?: string[] }>(
    cfg.autoClosingPairs.map((p: { open: string; close: string }) => [p.open, p]),
  );
  for (const [open, close] of [['{', '}'], ['[', ']'], ['(', ')'], ['"', '"'], ["''", "''"], ['${', '}']]) {
    assert.equal(pairs.get(open)?.close, close, `autoClosingPairs ${open}`);
  }
  assert.ok(pairs.get('"')?.notIn?.includes('string'));
  assert.ok(Array.isArray(cfg.surroundingPairs) && cfg.surroundingPairs.length >= 4);

  const word = new RegExp(`^(?:${cfg.wordPattern})$`);
  assert.ok(word.test("foo-bar'"), 'identifiers include - and \'');
  assert.ok(!word.test('a.b'));

  const start = new RegExp(cfg.folding.markers.start);
  const end = new RegExp(cfg.folding.markers.end);
  assert.ok(start.test('  # region inputs') && end.test('  # endregion'));
  assert.ok(!start.test('  # endregion'));

  const inc = new RegExp(cfg.indentationRules.increaseIndentPattern);
  const dec = new RegExp(cfg.indentationRules.decreaseIndentPattern);
  for (const line of ['{', '  outputs = { self }: {', '  let', '  x =', '  xs = [', '  (f']) {
    assert.ok(inc.test(line), `should indent after ${JSON.stringify(line)}`);
  }
  for (const line of ['  a = { b = 1; };', '  let x = 1; in x', '  # {', '  x = 1;']) {
    assert.ok(!inc.test(line), `should not indent after ${JSON.stringify(line)}`);
  }
  for (const line of ['}', '  };', '  ]', ')', '  in', '  in {']) {
    assert.ok(dec.test(line), `should dedent ${JSON.stringify(line)}`);
  }
  assert.ok(!dec.test('  inputs = 1;'));
});
