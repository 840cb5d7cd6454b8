// The GitHub Action's job summary: problems by rule with links to the rule docs, the first
// problems, and each flake's nixpkgs summary from `flake-lens inputs`. Every piece of text that
// comes from the checked files is escaped for Markdown: a stranger's repository must not put
// links, images or HTML into the summary.
//   node summary.mjs SARIF_FILE CHECKED_PATH CLI_JS SUMMARY_FILE   (prints the problem count)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const [sarifFile, checkedPath, cli, summaryFile] = process.argv.slice(2);
const MAX_ROWS = 50;
const DOCS = 'https://github.com/flake-lens/flake-lens/blob/main/docs/rules/';

/** Text for a Markdown table cell: controls dropped, line breaks flattened, every ASCII punctuation character backslash-escaped. */
function md(s) {
  return String(s)
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, '\\$&');
}

/** A rule's docs page, only for a rule code of our own shape; anything else gets no link. */
function ruleLink(code) {
  return /^[a-z][a-z0-9-]*$/.test(code) ? `[\`${code}\`](${DOCS}${code}.md)` : md(code);
}

let sarif;
try {
  sarif = JSON.parse(fs.readFileSync(sarifFile, 'utf8'));
} catch (e) {
  sarif = undefined;
}
const results = sarif?.runs?.[0]?.results ?? [];
const out = ['## Flake Lens', ''];
if (!sarif) out.push(`No SARIF report was written (${md(String(sarifFile))}); see the step's log.`, '');
else if (results.length === 0) out.push('No problems found.', '');
else {
  const byRule = new Map();
  for (const r of results) {
    const e = byRule.get(r.ruleId) ?? { count: 0, levels: new Map() };
    e.count++;
    e.levels.set(r.level, (e.levels.get(r.level) ?? 0) + 1);
    byRule.set(r.ruleId, e);
  }
  const files = new Set(results.map((r) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri));
  out.push(`${results.length} problem${results.length === 1 ? '' : 's'} in ${files.size} file${files.size === 1 ? '' : 's'}.`, '');
  out.push('| Rule | Problems | Levels |', '| --- | ---: | --- |');
  for (const [rule, e] of [...byRule].sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))) {
    out.push(`| ${ruleLink(rule)} | ${e.count} | ${[...e.levels].map(([l, n]) => `${md(l)} ${n}`).join(', ')} |`);
  }
  out.push('', '| Where | Rule | Message |', '| --- | --- | --- |');
  for (const r of results.slice(0, MAX_ROWS)) {
    const loc = r.locations?.[0]?.physicalLocation;
    const where = `${decodeURIComponent(loc?.artifactLocation?.uri ?? '?')}:${loc?.region?.startLine ?? '?'}`;
    out.push(`| ${md(where)} | ${ruleLink(r.ruleId)} | ${md(r.message?.text ?? '')} |`);
  }
  if (results.length > MAX_ROWS) out.push('', `…and ${results.length - MAX_ROWS} more in the SARIF report.`);
  out.push('');
}

// Each flake's inputs: how many nixpkgs revisions its lock holds, from `flake-lens inputs`.
const SKIP = new Set(['.git', 'node_modules', '.direnv']);
const flakes = [];
const walk = (dir, depth) => {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isFile() && e.name === 'flake.lock') flakes.push(dir);
    else if (e.isDirectory() && depth < 8 && !SKIP.has(e.name) && !/^result(-|$)/.test(e.name)) walk(path.join(dir, e.name), depth + 1);
  }
};
try {
  if (fs.statSync(checkedPath).isDirectory()) walk(checkedPath, 0);
  else if (fs.existsSync(path.join(path.dirname(checkedPath), 'flake.lock'))) flakes.push(path.dirname(checkedPath));
} catch {
  // A missing path is reported by check.
}
if (flakes.length) {
  out.push('### Inputs', '', '| Flake | nixpkgs |', '| --- | --- |');
  for (const dir of flakes.slice(0, MAX_ROWS)) {
    let summary;
    try {
      const dto = JSON.parse(execFileSync(process.execPath, [cli, 'inputs', '--format', 'json', '--', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 }));
      summary = dto.problem ? `${dto.summary}: ${dto.problem}` : dto.summary;
    } catch {
      summary = 'flake.lock cannot be read';
    }
    out.push(`| ${md(path.join(dir, 'flake.nix'))} | ${md(summary ?? '')} |`);
  }
  out.push('');
}
fs.appendFileSync(summaryFile, out.join('\n') + '\n');
process.stdout.write(`${results.length}\n`);
