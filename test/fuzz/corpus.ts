// Real flake.lock texts for the lock mutator: the repository's fixtures and, when it is there
// (CI clones shared/ beside the repository), a few locks of the real-world corpus.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS, FIXTURES } from '../unit/lockHelpers';

export function seedLocks(maxCorpus = 8): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(FIXTURES, { withFileTypes: true })) {
    const p = path.join(FIXTURES, d.name, 'flake.lock');
    if (d.isDirectory() && fs.existsSync(p)) out.push(fs.readFileSync(p, 'utf8'));
  }
  if (fs.existsSync(CORPUS)) {
    for (const f of fs.readdirSync(CORPUS).sort().slice(0, maxCorpus)) {
      const p = path.join(CORPUS, f);
      if (fs.statSync(p).isFile()) out.push(fs.readFileSync(p, 'utf8'));
    }
  }
  return out;
}
