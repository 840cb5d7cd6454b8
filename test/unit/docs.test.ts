// docs/rules: one page per rule code, matching RULES (code, default severity), listed in the
// README, and every ```nix example parses (```nix-bad-syntax marks an intentionally broken one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../../server/src/rules/index';
import { ParsedNix } from '../../server/src/nix/parser';

/** Walks up from this file (src or out/) to the directory holding package.json. */
function findRepoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'docs', 'rules'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json with docs/rules above ${__dirname}`);
    dir = parent;
  }
}

const docsDir = path.join(findRepoRoot(), 'docs', 'rules');
const pages = fs.readdirSync(docsDir).filter((f) => f.endsWith('.md') && f !== 'README.md');
const read = (file: string) => fs.readFileSync(path.join(docsDir, file), 'utf8');

/** Fenced code blocks with their info string and the line they start on. */
function codeBlocks(md: string): { lang: string; body: string; line: number }[] {
  const out: { lang: string; body: string; line: number }[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const fence = open[2];
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].trim().startsWith(fence)) body.push(lines[j++]);
    out.push({ lang: open[3], body: body.join('\n'), line: i + 1 });
    i = j;
  }
  return out;
}

test('every rule has a page titled with its code that states its default severity', () => {
  for (const rule of RULES) {
    const file = `${rule.code}.md`;
    assert.ok(pages.includes(file), `docs/rules/${file} is missing`);
    const md = read(file);
    assert.equal(md.split('\n')[0].trimEnd(), `# ${rule.code}`, `first line of ${file}`);
    const m = /\*\*Default severity:\*\*\s*`([a-z]+)`/.exec(md);
    assert.ok(m, `${file} does not state "**Default severity:** \`…\`"`);
    assert.equal(m[1], rule.severity, `default severity in ${file}`);
  }
});

test('every page in docs/rules is a known rule code', () => {
  const codes = new Set(RULES.map((r) => r.code as string));
  for (const file of pages) assert.ok(codes.has(file.replace(/\.md$/, '')), `docs/rules/${file} documents no rule in RULES`);
});

test('the README lists and links every rule', () => {
  const readme = fs.readFileSync(path.join(docsDir, 'README.md'), 'utf8');
  for (const rule of RULES) {
    assert.ok(readme.includes(`[\`${rule.code}\`](${rule.code}.md)`), `README.md does not link ${rule.code}`);
    const row = readme.split('\n').find((l) => l.includes(`(${rule.code}.md)`))!;
    assert.ok(row.includes(`\`${rule.severity}\``), `README.md row for ${rule.code} does not say ${rule.severity}`);
  }
});

test('every nix example parses', async () => {
  let count = 0;
  for (const file of [...pages, 'README.md']) {
    for (const block of codeBlocks(read(file))) {
      if (block.lang !== 'nix') continue;
      count++;
      const parsed = await ParsedNix.create(block.body);
      try {
        assert.equal(parsed.tree.rootNode.hasError, false, `${file}:${block.line}: the nix block does not parse:\n${block.body}`);
      } finally {
        parsed.dispose();
      }
    }
  }
  assert.ok(count >= RULES.length, `expected at least one nix example per rule, found ${count}`);
});
