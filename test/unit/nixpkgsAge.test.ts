// The nixpkgs age and support rules: the release cadence against a table of dates and refs, the
// three rules on flake.nix + flake.lock texts (ranges, messages, fixes that Nix parses), the lock
// alone, settings, and the inlay hints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { branchVerdict, supportedBranches } from '../../server/src/lock/nixpkgsBranches';
import { analyseFlake, analyseLock } from '../../server/src/rules/analyse';
import { resolveSettings } from '../../server/src/config';
import type { Finding } from '../../server/src/rules/findings';
import { ParsedNix, loadNix } from '../../server/src/nix/parser';
import { flakeContext } from '../../server/src/rules/flake';
import { inputInlayHints } from '../../server/src/lsp/inlayHints';
import { applyEdits, hasCommand, nixParses } from './lockHelpers';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const at = (iso: string) => Date.parse(`${iso}T12:00:00Z`);

test('the release cadence: supported refs on a table of dates, including the turn of a release', () => {
  const table: [string, string, boolean][] = [
    // 24.05: from May 2024 through the month after 24.11 (December 2024).
    ['nixos-24.05', '2024-04-30', false],
    ['nixos-24.05', '2024-05-01', true],
    ['nixos-24.05', '2024-12-15', true],
    ['nixos-24.05', '2024-12-31', true],
    ['nixos-24.05', '2025-01-01', false],
    ['nixos-24.05-small', '2024-12-31', true],
    ['nixos-24.05-small', '2025-01-01', false],
    ['nixpkgs-24.05-darwin', '2025-01-01', false],
    // 24.11: from November 2024 through the month after 25.05 (June 2025).
    ['nixos-24.11', '2024-10-31', false],
    ['nixos-24.11', '2024-11-01', true],
    ['nixos-24.11', '2025-06-30', true],
    ['nixos-24.11', '2025-07-01', false],
    ['nixpkgs-24.11-darwin', '2025-06-30', true],
    ['nixos-25.05', '2025-07-01', true],
    ['nixos-26.05', '2026-12-01', true],
    ['nixos-25.11', '2026-06-30', true],
    ['nixos-25.11', '2026-07-01', false],
    // Always: the unstable branches.
    ['nixos-unstable', '2019-01-01', true],
    ['nixos-unstable', '2035-06-01', true],
    ['nixos-unstable-small', '2026-12-01', true],
    ['nixpkgs-unstable', '2026-12-01', true],
    // Never: development branches, other names, months that are not releases, old releases.
    ['master', '2024-12-15', false],
    ['main', '2024-12-15', false],
    ['release-24.11', '2024-12-15', false],
    ['nixos-24.03', '2024-04-15', false],
    ['nixos-19.09', '2019-10-15', false],
    ['nixos-24.11-darwin', '2024-12-15', false],
    ['nixpkgs-24.11', '2024-12-15', false],
  ];
  for (const [ref, date, want] of table) {
    assert.equal(branchVerdict(ref, at(date)).supported, want, `${ref} on ${date}`);
    assert.equal(supportedBranches(at(date)).includes(ref), want, `${ref} on ${date} (list)`);
  }
  // The first and last instant of a window.
  assert.equal(branchVerdict('nixos-24.05', day('2025-01-01') - 1).supported, true);
  assert.equal(branchVerdict('nixos-24.05', day('2025-01-01')).supported, false);
  assert.deepEqual(supportedBranches(at('2024-12-15')), [
    'nixos-24.05', 'nixos-24.05-small', 'nixpkgs-24.05-darwin',
    'nixos-24.11', 'nixos-24.11-small', 'nixpkgs-24.11-darwin',
    'nixos-unstable', 'nixos-unstable-small', 'nixpkgs-unstable',
  ]);
});

test('suggestions keep the branch form, newest release first; reasons say why', () => {
  let v = branchVerdict('nixos-23.05', at('2025-03-01'));
  assert.deepEqual(v.suggestions, ['nixos-24.11', 'nixos-unstable']);
  assert.match(v.reason!, /23\.05 reached end of life on 2023-12-31/);
  v = branchVerdict('nixos-23.05-small', at('2024-12-15'));
  assert.deepEqual(v.suggestions, ['nixos-24.11-small', 'nixos-24.05-small', 'nixos-unstable-small']);
  v = branchVerdict('nixpkgs-23.11-darwin', at('2025-03-01'));
  assert.deepEqual(v.suggestions, ['nixpkgs-24.11-darwin', 'nixpkgs-unstable']);
  v = branchVerdict('release-24.11', at('2025-03-01'));
  assert.deepEqual(v.suggestions, ['nixos-24.11']);
  assert.match(v.reason!, /development branch/);
  v = branchVerdict('master', at('2025-03-01'));
  assert.deepEqual(v.suggestions, ['nixos-unstable', 'nixpkgs-unstable']);
  assert.match(branchVerdict('nixos-27.05', at('2025-03-01')).reason!, /not released yet/);
});

test('flakeLens.nixpkgs.supportedBranches replaces the computed set', () => {
  const now = at('2026-12-01');
  assert.equal(branchVerdict('nixos-23.05', now, ['nixos-23.05', 'nixos-unstable']).supported, true);
  const v = branchVerdict('nixos-26.11', now, ['nixos-23.05', 'nixos-unstable']);
  assert.equal(v.supported, false);
  assert.equal(v.suggestions[0], 'nixos-23.05');
  assert.equal(branchVerdict('master', now, []).supported, false, 'an empty list means the computed set');
});

// ---- the rules on a flake ----

const NOW = at('2025-03-01');
/** Seconds since the epoch, `days` whole days before NOW (plus a few hours). */
const daysAgo = (days: number) => Math.floor((NOW - days * 86_400_000 - 3_600_000) / 1000);

function ghNode(owner: string, repo: string, ref: string | undefined, rev: string, lastModified: number, extra: Record<string, unknown> = {}) {
  return {
    locked: { lastModified, narHash: 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', owner, repo, rev, type: 'github' },
    original: { owner, repo, ...(ref ? { ref } : {}), type: 'github' },
    ...extra,
  };
}
const rev = (c: string) => c.repeat(40);

const LOCK = JSON.stringify(
  {
    nodes: {
      nixpkgs: ghNode('NixOS', 'nixpkgs', 'nixos-23.05', rev('a'), daysAgo(400)),
      stable: ghNode('NixOS', 'nixpkgs', 'nixos-24.11', rev('b'), daysAgo(31)),
      unstable: ghNode('NixOS', 'nixpkgs', 'nixos-unstable', rev('c'), daysAgo(30)),
      master: { locked: { lastModified: daysAgo(2), narHash: 'sha256-x', ref: 'release-24.05', rev: rev('d'), type: 'git', url: 'https://github.com/NixOS/nixpkgs' }, original: { ref: 'release-24.05', type: 'git', url: 'https://github.com/NixOS/nixpkgs' } },
      registry: { locked: { lastModified: daysAgo(1), narHash: 'sha256-x', owner: 'NixOS', repo: 'nixpkgs', rev: rev('e'), type: 'github' }, original: { id: 'nixpkgs', ref: 'nixos-22.11', type: 'indirect' } },
      attrform: ghNode('NixOS', 'nixpkgs', 'nixpkgs-23.11-darwin', rev('f'), daysAgo(3)),
      fork: ghNode('someone', 'nixpkgs', 'nixos-unstable-patched', rev('1'), daysAgo(90)),
      'flake-utils': ghNode('numtide', 'flake-utils', 'main', rev('2'), daysAgo(900)),
      lib: { locked: { dir: 'lib', lastModified: daysAgo(900), narHash: 'sha256-x', owner: 'NixOS', repo: 'nixpkgs', rev: rev('3'), type: 'github' }, original: { dir: 'lib', owner: 'NixOS', ref: 'master', repo: 'nixpkgs', type: 'github' } },
      root: {
        inputs: {
          nixpkgs: 'nixpkgs', stable: 'stable', unstable: 'unstable', master: 'master', registry: 'registry', attrform: 'attrform',
          fork: 'fork', 'flake-utils': 'flake-utils', lib: 'lib', same: ['nixpkgs'],
        },
      },
    },
    root: 'root',
    version: 7,
  },
  null,
  2,
);

const FLAKE = `{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-23.05";
    stable.url = "github:NixOS/nixpkgs?ref=nixos-24.11";
    unstable.url = "github:NixOS/nixpkgs/nixos-unstable";
    master.url = "git+https://github.com/NixOS/nixpkgs?ref=release-24.05&shallow=1";
    registry.url = "nixpkgs/nixos-22.11";
    attrform = { type = "github"; owner = "NixOS"; repo = "nixpkgs"; ref = "nixpkgs-23.11-darwin"; };
    fork.url = "github:someone/nixpkgs/nixos-unstable-patched";
    flake-utils.url = "github:numtide/flake-utils/main";
    lib.url = "github:NixOS/nixpkgs/master?dir=lib";
    same.follows = "nixpkgs";
  };
  outputs = inputs: { };
}
`;

/** These tests check every root nixpkgs input (checkedInputs empty); the default, `nixpkgs` only, has a test of its own. */
function allInputs(settings: unknown = {}): unknown {
  const s = settings as { nixpkgs?: Record<string, unknown> };
  return { ...s, nixpkgs: { checkedInputs: [], ...s.nixpkgs } };
}

async function analyseText(flakeText: string, lockText: string | undefined, opts: { now?: number; settings?: unknown } = {}) {
  const p = await ParsedNix.create(flakeText);
  try {
    return analyseFlake({ text: flakeText, tree: p.tree, isFlake: true, settings: resolveSettings(allInputs(opts.settings)), now: opts.now, lock: lockText !== undefined ? { text: lockText } : undefined });
  } finally {
    p.dispose();
  }
}

const ours = (fs: Finding[]) => fs.filter((f) => ['outdated-nixpkgs', 'unsupported-nixpkgs-branch', 'non-upstream-nixpkgs'].includes(f.code));
const inputOf = (f: Finding) => /input '([^']+)'/.exec(f.message)![1];

test('the three rules on flake.nix: which inputs, where, and what the messages say', async () => {
  const r = await analyseText(FLAKE, LOCK, { now: NOW });
  const got = ours(r.findings).map((f) => `${f.code} ${inputOf(f)} ${FLAKE.slice(f.start, f.end)}`);
  assert.deepEqual(got.sort(), [
    'non-upstream-nixpkgs fork "github:someone/nixpkgs/nixos-unstable-patched"',
    'outdated-nixpkgs fork "github:someone/nixpkgs/nixos-unstable-patched"',
    'outdated-nixpkgs nixpkgs "github:NixOS/nixpkgs/nixos-23.05"',
    'outdated-nixpkgs stable "github:NixOS/nixpkgs?ref=nixos-24.11"',
    'unsupported-nixpkgs-branch attrform "nixpkgs-23.11-darwin"',
    'unsupported-nixpkgs-branch master release-24.05',
    'unsupported-nixpkgs-branch nixpkgs nixos-23.05',
    'unsupported-nixpkgs-branch registry nixos-22.11',
  ].sort());
  assert.deepEqual(r.lockFindings.filter((f) => f.code.includes('nixpkgs')), [], 'with flake.nix, nothing is reported in flake.lock');
  const old = r.findings.find((f) => f.code === 'outdated-nixpkgs' && inputOf(f) === 'nixpkgs')!;
  assert.match(old.message, /locked to aaaaaaa of 2024-01-26, 400 days old \(limit: 30 days, flakeLens\.nixpkgs\.maxAgeDays\)/);
  assert.equal(old.severity, 'warning');
  const branch = r.findings.find((f) => f.code === 'unsupported-nixpkgs-branch' && inputOf(f) === 'nixpkgs')!;
  assert.match(branch.message, /'nixos-23\.05'.*end of life on 2023-12-31.*move to nixos-24\.11 or nixos-unstable/);
  const fork = r.findings.find((f) => f.code === 'non-upstream-nixpkgs')!;
  assert.equal(fork.severity, 'information');
  assert.match(fork.message, /someone\/nixpkgs/);
});

test('quick fixes rewrite only the ref, in every spelling, and Nix parses the result', async () => {
  const r = await analyseText(FLAKE, LOCK, { now: NOW });
  const fixed = (input: string) => {
    const f = r.findings.find((x) => x.code === 'unsupported-nixpkgs-branch' && inputOf(x) === input)!;
    assert.equal(f.fixes[0].safe, false, 'moving to another branch changes meaning');
    return applyEdits(FLAKE, f.fixes[0].edits).split('\n').find((l) => l.includes(`${input}`) && (l.includes('url') || l.includes('ref')))!.trim();
  };
  assert.equal(fixed('nixpkgs'), 'nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";');
  assert.equal(fixed('master'), 'master.url = "git+https://github.com/NixOS/nixpkgs?ref=nixos-24.11&shallow=1";');
  assert.equal(fixed('registry'), 'registry.url = "nixpkgs/nixos-24.11";');
  assert.equal(fixed('attrform'), 'attrform = { type = "github"; owner = "NixOS"; repo = "nixpkgs"; ref = "nixpkgs-24.11-darwin"; };');
  for (const f of r.findings.filter((x) => x.code === 'unsupported-nixpkgs-branch')) {
    for (const fix of f.fixes) {
      const text = applyEdits(FLAKE, fix.edits);
      const p = await ParsedNix.create(text);
      assert.equal(p.tree.rootNode.hasError, false, fix.title);
      p.dispose();
      if (hasCommand('nix-instantiate')) assert.ok(nixParses(text).ok, fix.title);
      // After the fix the branch is supported: the rule is quiet on that input.
      const after = await analyseText(text, undefined, { now: NOW });
      assert.ok(!after.findings.some((x) => x.code === 'unsupported-nixpkgs-branch' && inputOf(x) === inputOf(f)), fix.title);
    }
  }
});

test('no false alarms: unstable, forks\' branches, non-nixpkgs inputs, nixpkgs?dir=lib, follows, no date', async () => {
  const r = await analyseText(FLAKE, LOCK, { now: NOW });
  const names = new Set(ours(r.findings).map(inputOf));
  for (const quiet of ['unstable', 'flake-utils', 'lib', 'same']) assert.ok(!names.has(quiet), quiet);
  assert.ok(!r.findings.some((f) => f.code === 'unsupported-nixpkgs-branch' && inputOf(f) === 'fork'));
  // 30 whole days is not older than 30; 31 is.
  assert.ok(!r.findings.some((f) => f.code === 'outdated-nixpkgs' && inputOf(f) === 'unstable'));
  const undated = await analyseText(FLAKE, LOCK);
  assert.deepEqual(ours(undated.findings).map((f) => f.code), ['non-upstream-nixpkgs'], 'without now only the fork is reported');
});

test('settings: severities, off, maxAgeDays, supportedBranches, nixpkgsInputs', async () => {
  let r = await analyseText(FLAKE, LOCK, { now: NOW, settings: { rules: { 'outdated-nixpkgs': 'error', 'non-upstream-nixpkgs': 'off' } } });
  assert.ok(ours(r.findings).filter((f) => f.code === 'outdated-nixpkgs').every((f) => f.severity === 'error'));
  assert.ok(!r.findings.some((f) => f.code === 'non-upstream-nixpkgs'));
  r = await analyseText(FLAKE, LOCK, { now: NOW, settings: { nixpkgs: { maxAgeDays: 365 } } });
  assert.deepEqual(r.findings.filter((f) => f.code === 'outdated-nixpkgs').map(inputOf), ['nixpkgs']);
  r = await analyseText(FLAKE, LOCK, { now: NOW, settings: { nixpkgs: { supportedBranches: ['nixos-23.05', 'nixos-22.11', 'release-24.05', 'nixpkgs-23.11-darwin', 'nixos-24.11', 'nixos-unstable'] } } });
  assert.ok(!r.findings.some((f) => f.code === 'unsupported-nixpkgs-branch'));
  // An input named in flakeLens.nixpkgsInputs is checked even with a URL that is not nixpkgs'.
  r = await analyseText(FLAKE, LOCK, { now: NOW, settings: { nixpkgsInputs: ['flake-utils'] } });
  assert.ok(r.findings.some((f) => f.code === 'outdated-nixpkgs' && inputOf(f) === 'flake-utils'));
});

test('a flake.lock alone: findings on the node keys', () => {
  const fs = ours(analyseLock(LOCK, resolveSettings(allInputs()), NOW));
  const keyAt = (f: Finding) => /^"([^"]+)"/.exec(LOCK.slice(f.start))![1];
  assert.deepEqual(fs.map((f) => `${f.code} ${keyAt(f)}`).sort(), [
    'non-upstream-nixpkgs fork',
    'outdated-nixpkgs fork',
    'outdated-nixpkgs nixpkgs',
    'outdated-nixpkgs stable',
    'unsupported-nixpkgs-branch attrform',
    'unsupported-nixpkgs-branch master',
    'unsupported-nixpkgs-branch nixpkgs',
    'unsupported-nixpkgs-branch registry',
  ]);
  assert.deepEqual(analyseLock('{ not json', resolveSettings({}), NOW).map((f) => f.code), ['lock-error']);
});

test('inlay hints: short rev and age after each URL, full date in the tooltip', async () => {
  const p = await ParsedNix.create(FLAKE);
  try {
    const ctx = flakeContext({ flakeText: FLAKE, flakeRoot: p.tree.rootNode, lockText: LOCK });
    const hints = inputInlayHints(ctx, NOW);
    const byUrl = new Map(hints.map((h) => [FLAKE.slice(FLAKE.lastIndexOf('"', h.offset - 2), h.offset), h]));
    const h = byUrl.get('"github:NixOS/nixpkgs/nixos-23.05"')!;
    assert.equal(h.label, '# aaaaaaa · 13 months');
    assert.match(h.tooltip, /nixpkgs is locked to a{40}\nlast modified 2024-01-26 11:00:00 UTC \(13 months ago\)/);
    assert.equal(byUrl.get('"nixpkgs/nixos-22.11"')!.label, '# eeeeeee · 1 day');
    assert.equal(hints.length, 8, 'one per URL input (not the attribute form, not follows)');
    // Without a lock: no hints.
    assert.deepEqual(inputInlayHints(flakeContext({ flakeText: FLAKE, flakeRoot: p.tree.rootNode }), NOW), []);
  } finally {
    p.dispose();
  }
});

test('an input only named in outputs (fetched from the registry) is reported on its formal', async () => {
  const flake = '{\n  outputs = { self, nixpkgs }: { };\n}\n';
  const lock = JSON.stringify({
    nodes: {
      nixpkgs: { locked: { lastModified: daysAgo(100), narHash: 'sha256-x', owner: 'NixOS', repo: 'nixpkgs', rev: rev('9'), type: 'github' }, original: { id: 'nixpkgs', ref: 'nixos-23.05', type: 'indirect' } },
      root: { inputs: { nixpkgs: 'nixpkgs' } },
    },
    root: 'root',
    version: 7,
  });
  const r = await analyseText(flake, lock, { now: NOW });
  assert.deepEqual(ours(r.findings).map((f) => `${f.code} ${flake.slice(f.start, f.end)}`), ['outdated-nixpkgs nixpkgs', 'unsupported-nixpkgs-branch nixpkgs']);
  assert.deepEqual(ours(r.findings).flatMap((f) => f.fixes), [], 'nothing in flake.nix to rewrite');
});

test('by default only the root input named nixpkgs gets the age and branch rules (flake-checker\'s --nixpkgs-keys)', async () => {
  const p = ParsedNix.createSync(await loadNix(), FLAKE);
  try {
    const r = analyseFlake({ text: FLAKE, tree: p.tree, isFlake: true, settings: resolveSettings({}), now: NOW, lock: { text: LOCK } });
    const dated = ours(r.findings).filter((f) => f.code !== 'non-upstream-nixpkgs');
    assert.deepEqual([...new Set(dated.map(inputOf))], ['nixpkgs']);
    assert.deepEqual(dated.map((f) => f.code).sort(), ['outdated-nixpkgs', 'unsupported-nixpkgs-branch']);
    // A fork is still named, whatever the input is called.
    assert.ok(ours(r.findings).some((f) => f.code === 'non-upstream-nixpkgs' && inputOf(f) === 'fork'));
    const more = analyseFlake({ text: FLAKE, tree: p.tree, isFlake: true, settings: resolveSettings({ nixpkgs: { checkedInputs: ['nixpkgs', 'stable'] } }), now: NOW, lock: { text: LOCK } });
    assert.deepEqual([...new Set(ours(more.findings).filter((f) => f.code !== 'non-upstream-nixpkgs').map(inputOf))].sort(), ['nixpkgs', 'stable']);
  } finally {
    p.dispose();
  }
});
