// Issue 9, items 3 and 4: what hovers and links show when flake.nix and flake.lock are hostile.
// Names, references, revisions and hosts come from the files; rendered, they must stay text, and
// a link must name the host it opens.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ParsedNix } from '../../server/src/nix/parser';
import { DocumentContext } from '../../server/src/rules/context';
import { hoverAt } from '../../server/src/lsp/hover';
import { flakeRefLink, inputHover, lockLinks, navContext } from '../../server/src/lock/navigation';
import { webUrl } from '../../server/src/rules/flake';
import { trimTrailingSlashes, validHost } from '../../server/src/lock/urls';
import { HOSTILE, injected, renderMarkdown } from '../helpers/markdown';

const REV = '0123456789abcdef0123456789abcdef01234567';

async function hoverAll(flakeText: string, lockText: string | undefined, needle: string): Promise<string> {
  const parsed = await ParsedNix.create(flakeText);
  try {
    const ctx = navContext({ flakeText, flakeRoot: parsed.tree.rootNode, lockText });
    const h = inputHover(ctx, flakeText.indexOf(needle) + 1);
    assert.ok(h, `no hover on ${needle}`);
    return h.markdown;
  } finally {
    parsed.dispose();
  }
}

test('input hover: lock keys, references, revisions and paths from a hostile lock stay text', async () => {
  const flake = '{ inputs.nixpkgs.url = "github:NixOS/nixpkgs"; inputs.hm.url = "github:o/hm"; outputs = { self, nixpkgs, hm }: { }; }';
  for (const s of HOSTILE) {
    const locked = { type: 'github', owner: s, repo: s, rev: s, ref: s, narHash: s, lastModified: 1700000000 };
    const lock = JSON.stringify({
      version: 7,
      root: 'root',
      nodes: {
        root: { inputs: { nixpkgs: s, hm: 'hm' } },
        [s]: { locked, original: { type: 'github', owner: s, repo: s } },
        hm: { inputs: { [s]: `${s}_2`, f: ['nixpkgs'] }, locked: { type: 'github', owner: 'o', repo: 'hm', rev: REV }, original: { type: 'github', owner: 'o', repo: 'hm' } },
        [`${s}_2`]: { locked: { ...locked, rev: `${s}2` }, original: { type: 'github', owner: s, repo: s } },
      },
    });
    const md = await hoverAll(flake, lock, 'nixpkgs.url');
    assert.match(md, /Followed by/, 'the hover got as far as the follows list');
    assert.match(md, /also holds/, 'and the other revision');
    const html = renderMarkdown(md);
    assert.deepEqual(injected(html), [], `${JSON.stringify(s)}:\n${md}\n→ ${html}`);
  }
});

test('input hover: a hostile input name in flake.nix stays text in the title', async () => {
  for (const s of HOSTILE.filter((h) => !h.includes('\n') && !h.includes('\\'))) {
    const name = JSON.stringify(s).replace(/\$/g, '\\$');
    const flake = `{ inputs.${name}.url = "github:o/r"; outputs = { self, ... }: { }; }`;
    const md = await hoverAll(flake, undefined, name);
    const html = renderMarkdown(md);
    assert.deepEqual(injected(html), [], `${JSON.stringify(s)}:\n${md}\n→ ${html}`);
  }
});

test('import hover: backticks and Markdown in the source stay inside one code span', async () => {
  const text = '{ outputs = { self, nixpkgs }: { x = import (nixpkgs /* `` ![x](https://t.example/p.png) <img src=x> */) { inherit system; }; }; }';
  const parsed = await ParsedNix.create(text);
  try {
    const h = hoverAt(new DocumentContext(text, parsed.tree, { isFlake: true }), text.indexOf('import') + 1);
    assert.ok(h);
    const html = renderMarkdown(h.markdown);
    assert.deepEqual(injected(html), [], html);
    assert.match(html, /<code>import \(nixpkgs \/\* `` !\[x\]\(https:\/\/t\.example\/p\.png\) &lt;img src=x&gt; \*\/\) \{ … \}<\/code>/);
  } finally {
    parsed.dispose();
  }
});

const lockWith = (locked: Record<string, unknown>) =>
  JSON.stringify({ version: 7, root: 'root', nodes: { root: { inputs: { a: 'a' } }, a: { locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: REV, ...locked } } } });

test('lock links: the tooltip names the host the link opens; malformed hosts make no link', () => {
  const [own] = lockLinks(lockWith({}));
  assert.equal(own.target, `https://github.com/NixOS/nixpkgs/commit/${REV}`);
  assert.equal(own.tooltip, 'Commit 0123456 of NixOS/nixpkgs on github.com');
  const [other] = lockLinks(lockWith({ host: 'evil.example' }));
  assert.equal(new URL(other.target).host, 'evil.example');
  assert.match(other.tooltip, /on evil\.example$/);
  for (const host of ['', 'github.com@evil.example', 'evil.example/x', 'a b', 'evil.example?x', 'x:y@evil.example', '[bad', 'github.com#x']) {
    assert.deepEqual(lockLinks(lockWith({ host })), [], `host ${JSON.stringify(host)}`);
  }
  // Owner and repo are path segments: they cannot climb out or smuggle a host.
  assert.deepEqual(lockLinks(lockWith({ owner: '..', repo: 'x' })), []);
  const [enc] = lockLinks(lockWith({ owner: 'a?b', repo: 'c#d' }));
  assert.equal(new URL(enc.target).host, 'github.com');
  assert.equal(new URL(enc.target).pathname, `/a%3Fb/c%23d/commit/${REV}`);
});

test('flake.nix links: userinfo, empty or odd hosts make no link; a real host is shown', () => {
  assert.equal(flakeRefLink('git+https://github.com@evil.example/x'), undefined);
  assert.equal(flakeRefLink('git+https://user:pw@evil.example/x'), undefined);
  assert.equal(flakeRefLink('github:NixOS/nixpkgs?host='), undefined);
  assert.equal(flakeRefLink('github:NixOS/nixpkgs?host=github.com@evil.example'), undefined);
  // The URL parser reads `https:///evil.example` as host evil.example: the tooltip says so.
  assert.deepEqual(flakeRefLink('tarball+https:///evil.example/x.tar.gz'), { target: 'https://evil.example/x.tar.gz', tooltip: 'Download https://evil.example/x.tar.gz' });
  assert.equal(flakeRefLink('https://a@evil.example/x.tar.gz'), undefined);
  const l = flakeRefLink('github:NixOS/nixpkgs?host=evil.example')!;
  assert.equal(new URL(l.target).host, 'evil.example');
  assert.match(l.tooltip, /on evil\.example/);
  const g = flakeRefLink('git+https://evil.example/x.git?ref=main')!;
  assert.equal(new URL(g.target).host, 'evil.example');
  assert.match(g.tooltip, /evil\.example/);
});

test('"Open upstream" URLs: same host checks', () => {
  assert.equal(webUrl({ type: 'github', owner: 'NixOS', repo: 'nixpkgs' }), 'https://github.com/NixOS/nixpkgs');
  assert.equal(webUrl({ type: 'github', owner: 'NixOS', repo: 'nixpkgs', host: 'github.com@evil.example' }), undefined);
  assert.equal(webUrl({ type: 'gitlab', owner: 'a', repo: 'b', host: '' }), undefined);
  assert.equal(webUrl({ type: 'git', url: 'https://github.com@evil.example/x' }), undefined);
  assert.equal(webUrl({ type: 'git', url: 'git+https://evil.example/x?ref=a' }), 'https://evil.example/x');
  assert.equal(webUrl({ type: 'sourcehut', owner: '~a', repo: 'b', host: 'git.example:8080' }, REV), `https://git.example:8080/~a/b/commit/${REV}`);
});

test('validHost and trimTrailingSlashes', () => {
  assert.equal(validHost('GitHub.com'), 'github.com');
  assert.equal(validHost('git.example:8080'), 'git.example:8080');
  for (const bad of ['', ' ', 'a@b', 'a/b', 'a:b:c', 'a%2fb', 1]) assert.equal(validHost(bad), undefined, String(bad));
  assert.equal(trimTrailingSlashes(''), '');
  assert.equal(trimTrailingSlashes('///'), '');
  assert.equal(trimTrailingSlashes('https://a/b//'), 'https://a/b');
  assert.equal(trimTrailingSlashes('//a/b'), '//a/b');
});
