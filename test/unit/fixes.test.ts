// Combining fixes, ignore comments and the unified diff of `fix --dry-run`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unifiedDiff } from '../../server/src/cli/diff';
import type { Finding } from '../../server/src/rules/findings';
import { applyEdits, fixAllEdits, ignoreEdit } from '../../server/src/rules/fixes';

const finding = (code: Finding['code'], start: number, end: number, fixes: Finding['fixes']): Finding => ({
  code,
  start,
  end,
  severity: 'warning',
  message: '',
  fixes,
});

test('fix-all takes safe quick-fixes whole, skips overlapping ones, refactors and unsafe ones', () => {
  const text = 'aaaa bbbb cccc dddd';
  const findings = [
    finding('legacy-packages', 0, 4, [{ title: 'A', safe: true, edits: [{ start: 0, end: 4, newText: 'A' }] }]),
    // Overlaps A: the whole fix is skipped, including its harmless second edit.
    finding('repeated-import', 2, 9, [{ title: 'B', safe: true, edits: [{ start: 2, end: 9, newText: 'B' }, { start: 15, end: 19, newText: 'X' }] }]),
    finding('impure-in-flake', 10, 14, [{ title: 'C', safe: false, edits: [{ start: 10, end: 14, newText: 'C' }] }]),
    finding('legacy-packages', 15, 19, [{ title: 'D', safe: true, kind: 'refactor.rewrite', edits: [{ start: 15, end: 19, newText: 'D' }] }]),
    finding('legacy-packages', 5, 9, [{ title: 'E', safe: true, edits: [{ start: 5, end: 9, newText: 'E' }] }]),
  ];
  const edits = fixAllEdits(findings);
  assert.equal(applyEdits(text, edits), 'A E cccc dddd');
  assert.equal(applyEdits(text, fixAllEdits(findings, new Set(['repeated-import']))), 'aaB cccc X');
});

test('two insertions at one offset are not combined by fix-all (their order would be undefined)', () => {
  const findings = [
    finding('missing-follows', 0, 1, [{ title: 'x', safe: true, edits: [{ start: 3, end: 3, newText: 'x' }] }]),
    finding('missing-follows', 0, 1, [{ title: 'y', safe: true, edits: [{ start: 3, end: 3, newText: 'y' }] }]),
  ];
  assert.deepEqual(fixAllEdits(findings), [{ start: 3, end: 3, newText: 'x' }]);
});

test('ignore comments go above the line with its indentation, or join an existing one', () => {
  const text = '{\n    a = import nixpkgs { };\n}\n';
  const f = finding('legacy-packages', text.indexOf('import'), text.indexOf(';'), []);
  const once = applyEdits(text, [ignoreEdit(text, f)]);
  assert.equal(once, '{\n    # flake-lens: ignore legacy-packages\n    a = import nixpkgs { };\n}\n');
  const g = finding('repeated-import', once.indexOf('import'), once.indexOf(';'), []);
  assert.equal(applyEdits(once, [ignoreEdit(once, g)]), '{\n    # flake-lens: ignore legacy-packages repeated-import\n    a = import nixpkgs { };\n}\n');
  const crlf = text.replace(/\n/g, '\r\n');
  const h = finding('legacy-packages', crlf.indexOf('import'), crlf.indexOf(';'), []);
  assert.equal(applyEdits(crlf, [ignoreEdit(crlf, h)]), '{\r\n    # flake-lens: ignore legacy-packages\r\n    a = import nixpkgs { };\r\n}\r\n');
});

test('unified diff: same hunks as diff -u, applied by patch', (t) => {
  const before = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  const after = before.replace('line 2\n', 'line two\n').replace('line 20\n', '').replace('line 30\n', 'line 30\nline 31\n');
  const d = unifiedDiff(before, after, 'a/f', 'b/f');
  assert.equal(d.split('\n').filter((l) => l.startsWith('@@')).length, 3);
  assert.match(d, /^--- a\/f\n\+\+\+ b\/f\n@@ -1,5 \+1,5 @@\n line 1\n-line 2\n\+line two\n/);
  assert.equal(unifiedDiff(before, before, 'a', 'b'), '');
  if (spawnSync('patch', ['--version']).status !== 0) return t.skip('patch not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-diff-'));
  fs.writeFileSync(path.join(dir, 'f'), before);
  const r = spawnSync('patch', ['-p1', '-s'], { cwd: dir, input: d });
  assert.equal(r.status, 0, String(r.stderr));
  assert.equal(fs.readFileSync(path.join(dir, 'f'), 'utf8'), after);
});
