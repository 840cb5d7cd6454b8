// fast-check generators for hostile input: Nix documents built from tokens that matter to the
// grammar and the rules, pathological shapes (deep nesting, long chains, long runs of one token,
// huge lines, control characters, lone surrogates), edit sequences, and flake.lock files, random
// or mutated from real ones.
import fc from 'fast-check';

/** Pieces of Nix that the parser and the rules react to. */
export const NIX_TOKENS = [
  '{', '}', '(', ')', '[', ']', ';', '=', ':', ',', '.', '?', '@', '...', ' ', '\n', '\t', '"', "''", '${', '#', '/*', '*/',
  'a', 'x', 'or', 'let', 'in', 'inherit', 'rec', 'with', 'if', 'then', 'else', 'assert', 'true', 'null', '1', '2.5', './p', '<nixpkgs>',
  'system', 'nixpkgs', 'pkgs', 'self', 'inputs', 'outputs', 'import nixpkgs { inherit system; }', 'import nixpkgs { system = "x86_64-linux"; config = { }; }',
  'nixpkgs.legacyPackages.${system}', 'builtins.currentSystem', 'import <nixpkgs> { }', 'inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";',
  'inputs.home-manager.inputs.nixpkgs.follows = "nixpkgs";', '# flake-lens-ignore legacy-packages\n', 'a = 1;', 'x: x', '{ self, nixpkgs, ... }:',
];

/** A flake in the common shape, for edits to start from. */
export const BASE_FLAKE = `{
  description = "fuzz";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.utils.url = "github:numtide/flake-utils";
  outputs = { self, nixpkgs, utils, ... }:
    utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
        other = import nixpkgs { inherit system; config.allowUnfree = true; };
      in {
        packages.default = pkgs.hello;
        packages.other = (import nixpkgs { inherit system; }).cowsay;
        devShells.default = other.mkShell { };
        checks.impure = builtins.currentSystem;
      });
}
`;

const CONTROL = ['\u0000', '\u0007', '\u001b[2J', '\u001b]0;title\u0007', '\r', '\r\n', '\u2028', '\u00a0', '\ufeff', '\ud800', '\udfff', '\ud83d\ude00', 'é'];

/** Sizes of pathological shapes: small in the bounded run (`npm test`), larger in `npm run fuzz`. */
export interface ShapeSizes {
  maxRepeat: number;
}

export function token(): fc.Arbitrary<string> {
  return fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...NIX_TOKENS) }, { weight: 1, arbitrary: fc.constantFrom(...CONTROL) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
}

/** Shapes that once made the parser or a rule super-linear or recursive (issue 9, items 8-13). */
export function pathological(sizes: ShapeSizes): fc.Arbitrary<string> {
  const n = fc.integer({ min: 1, max: sizes.maxRepeat });
  return fc.oneof(
    // deep nesting of every bracket kind
    fc.tuple(fc.constantFrom(['{ a = ', '; }'], ['(', ')'], ['[ ', ' ]'], ['let a = ', '; in a'], ['x: ', ''], ['{ b = { c = ', '; }; }']), n).map(([[open, close], k]) => open.repeat(k) + '1' + close.repeat(k)),
    // unclosed nesting
    fc.tuple(fc.constantFrom('{', '(', '[', '${', '"${', "''${", 'let ', 'a.'), n).map(([t, k]) => t.repeat(k)),
    // long runs of one token (brace-less bindings, `or or or`, `,/*`, `.a` chains, commas)
    fc.tuple(fc.constantFrom('a = 1;\n', 'or ', "',/*'", '.a', ',', ' ', '\n', '"', 'inputs.', '@', '#', '*/'), n).map(([t, k]) => (t === '.a' ? 'x' : '') + t.repeat(k)),
    // a huge line
    fc.tuple(fc.constantFrom('a', ' ', '"', 'x.'), n).map(([t, k]) => `{ a = "${t.repeat(k * 20)}"; }`),
    // the ReDoS shape: an input name with regex syntax imported twice, then a run of `a`s
    n.map((k) => `{ outputs = { self, ... }@inputs: let p = import inputs."(a+)+" { }; q = import inputs."(a+)+" { }; in { x = "${'a'.repeat(Math.min(k, 60))}!"; }; }`),
    // control characters and lone surrogates inside and outside strings
    fc.array(fc.constantFrom(...CONTROL, 'a = "', '";', '# ', '\n'), { maxLength: 40 }).map((xs) => `{ ${xs.join('')} }`),
  );
}

/** A whole document: tokens, a mutated flake, or a pathological shape. */
export function nixDocument(sizes: ShapeSizes): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(token(), { maxLength: 80 }).map((xs) => xs.join('')) },
    { weight: 3, arbitrary: fc.constant(BASE_FLAKE) },
    { weight: 2, arbitrary: pathological(sizes) },
  );
}

/** One edit, as fractions of the document so it stays valid whatever the text is. */
export interface EditSpec {
  at: number;
  length: number;
  text: string;
}

export function editSpec(sizes: ShapeSizes): fc.Arbitrary<EditSpec> {
  return fc.record({
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 400 })),
    text: fc.oneof({ weight: 6, arbitrary: token() }, { weight: 1, arbitrary: fc.constant('') }, { weight: 1, arbitrary: pathological({ maxRepeat: Math.min(sizes.maxRepeat, 200) }) }),
  });
}

/** Where an edit lands in `text`, never splitting a surrogate pair (the editor never does). */
export function resolveEdit(text: string, e: EditSpec): { start: number; end: number; text: string } {
  // No offset inside a surrogate pair or a CRLF: an LSP position cannot point there (the character
  // of a position past the line's end means its end, before the `\r`), so no editor sends one.
  const fix = (o: number) => (o > 0 && o < text.length && ((/[\udc00-\udfff]/.test(text[o]) && /[\ud800-\udbff]/.test(text[o - 1])) || (text[o] === '\n' && text[o - 1] === '\r')) ? o - 1 : o);
  const start = fix(Math.floor(e.at * text.length));
  const end = fix(Math.min(text.length, start + e.length));
  return { start, end: Math.max(start, end), text: e.text };
}

// ---- flake.lock ----

const NAMES = ['nixpkgs', 'utils', 'home-manager', 'a', 'b', '', ' ', '$(x)', '`x`', '](x)', '--x', '\u001b[2J', '../x', 'a/b', '"', '__proto__', 'constructor', 'root'];

function refAttrs(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      type: fc.constantFrom('github', 'gitlab', 'sourcehut', 'git', 'path', 'tarball', 'indirect', 'file', 'mercurial', 'x'),
      owner: fc.constantFrom('NixOS', 'numtide', 'o', '', '@evil', 'a/b'),
      repo: fc.constantFrom('nixpkgs', 'flake-utils', 'r', '', '`r`'),
      rev: fc.oneof(fc.constant('a'.repeat(40)), fc.string({ maxLength: 50 })),
      ref: fc.constantFrom('nixos-unstable', 'main', ''),
      url: fc.constantFrom('https://example.org/x.git', 'git+https://github.com@evil.example/x', 'https:///x' + '/'.repeat(50), 'path:./sub', ''),
      host: fc.constantFrom('gitlab.com', '', 'evil.example', 'a@b'),
      lastModified: fc.oneof(fc.integer(), fc.double(), fc.constant(1700000000)),
      narHash: fc.constant('sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='),
      id: fc.constantFrom('nixpkgs', 'x'),
      dir: fc.constantFrom('', 'sub'),
    },
    { requiredKeys: ['type'] },
  );
}

/** A lock object (not text): nodes with inputs that point at nodes, follows paths, or nowhere. */
export function lockObject(maxNodes: number): fc.Arbitrary<Record<string, unknown>> {
  return fc.integer({ min: 1, max: maxNodes }).chain((n) => {
    const keys = ['root', ...Array.from({ length: n - 1 }, (_, i) => (i < 3 ? NAMES[i] : `n${i}`))];
    const target = fc.oneof(
      fc.constantFrom(...keys, 'missing'),
      fc.array(fc.constantFrom(...keys.slice(0, 4), ...NAMES.slice(0, 6)), { maxLength: 4 }),
    );
    const node = fc.record(
      {
        inputs: fc.dictionary(fc.constantFrom(...NAMES), target, { maxKeys: 4 }),
        locked: refAttrs(),
        original: refAttrs(),
        flake: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    return fc.tuple(fc.array(node, { minLength: n, maxLength: n }), fc.constantFrom(7, 6, 5, 4, 8), fc.constantFrom('root', 'n1', 'missing')).map(([nodes, version, root]) => ({
      nodes: Object.fromEntries(keys.map((k, i) => [k, nodes[i]])),
      root,
      version,
    }));
  });
}

/** Pathological locks: a long follows chain, deep nesting of inputs, many duplicates, a long URL of slashes. */
export function pathologicalLock(sizes: ShapeSizes): fc.Arbitrary<string> {
  const n = fc.integer({ min: 1, max: sizes.maxRepeat });
  const gh = (i: number) => ({ locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: String(i).padStart(40, '0'), lastModified: 1700000000 + i }, original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs' } });
  return fc.oneof(
    // nested chain: root → n0 → n1 → … (each a new node)
    n.map((k) => {
      const nodes: Record<string, unknown> = { root: { inputs: { n0: 'n0' } } };
      for (let i = 0; i < k; i++) nodes[`n${i}`] = { ...gh(i), inputs: i + 1 < k ? { [`n${i + 1}`]: `n${i + 1}` } : {} };
      return JSON.stringify({ nodes, root: 'root', version: 7 });
    }),
    // follows chain: each input follows the next one
    n.map((k) => {
      const inputs: Record<string, unknown> = {};
      for (let i = 0; i < k; i++) inputs[`f${i}`] = i + 1 < k ? [`f${i + 1}`] : 'n';
      return JSON.stringify({ nodes: { root: { inputs }, n: gh(0) }, root: 'root', version: 7 });
    }),
    // many duplicates of nixpkgs, each under its own input
    n.map((k) => {
      const nodes: Record<string, unknown> = { root: { inputs: {} } };
      for (let i = 0; i < k; i++) {
        (nodes.root as { inputs: Record<string, string> }).inputs[`i${i}`] = `i${i}`;
        nodes[`i${i}`] = { locked: { type: 'github', owner: 'o', repo: `r${i}`, rev: 'b'.repeat(40) }, inputs: { nixpkgs: `p${i}` } };
        nodes[`p${i}`] = gh(i);
      }
      return JSON.stringify({ nodes, root: 'root', version: 7 });
    }),
    // a URL of slashes (quadratic trailing-slash trim)
    n.map((k) => JSON.stringify({ nodes: { root: { inputs: { a: 'a' } }, a: { locked: { type: 'git', url: 'https://x' + '/'.repeat(k * 20) + 'x' }, original: { type: 'git', url: 'https://x' + '/'.repeat(k * 20) } } }, root: 'root', version: 7 })),
    // deep JSON nesting
    n.map((k) => `{"nodes":{"root":{"inputs":{}}},"root":"root","version":7,"x":${'['.repeat(k)}${']'.repeat(k)}}`),
  );
}

/** Text mutations of a lock: byte flips, cut text, invalid UTF-8 decoded lossily (as the server reads files). */
export function mutatedLock(base: string): fc.Arbitrary<string> {
  return fc
    .array(
      fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), cut: fc.integer({ min: 0, max: 20 }), insert: fc.oneof(fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '\\', '\\u', 'null', '1e999', '-0', '"__proto__"'), fc.string({ maxLength: 4 })) }),
      { maxLength: 6 },
    )
    .chain((ms) =>
      fc.tuple(fc.constant(ms), fc.uint8Array({ maxLength: 6 }), fc.boolean()).map(([muts, bytes, raw]) => {
        let t = base;
        for (const m of muts) {
          const at = Math.floor(m.at * t.length);
          t = t.slice(0, at) + m.insert + t.slice(at + m.cut);
        }
        if (!raw) return t;
        // Invalid UTF-8 inside a string value, decoded as the server decodes files.
        const at = Math.floor(t.length / 2);
        const buf = Buffer.concat([Buffer.from(t.slice(0, at)), Buffer.from([0xff, 0xc0, 0xed, 0xa0, 0x80, ...bytes]), Buffer.from(t.slice(at))]);
        return new TextDecoder('utf-8').decode(buf);
      }),
    );
}
