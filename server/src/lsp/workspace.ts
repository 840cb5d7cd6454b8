// File access for the server: open documents win over the disk; the disk is read only for
// file: URIs, within size limits, and never by running anything.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MAX_LOCK_BYTES, readRegularFile } from '../diskFiles';

export { MAX_LOCK_BYTES };

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(p: string): string {
  return pathToFileURL(p).href;
}

/** A sibling file's URI: `file:///x/flake.nix` + `flake.lock` → `file:///x/flake.lock`. */
export function siblingUri(uri: string, name: string): string {
  const cut = uri.split(/[?#]/)[0];
  return cut.slice(0, cut.lastIndexOf('/') + 1) + encodeURIComponent(name);
}

export function isLockUri(uri: string): boolean {
  return /\/flake\.lock$/.test(uri.split(/[?#]/)[0]);
}

export function isFlakeUri(uri: string): boolean {
  return path.posix.basename(uri.split(/[?#]/)[0]) === 'flake.nix';
}

export type ReadResult = { text: string } | { error: string } | undefined;

/** Last read of each file: unchanged files (same mtime and size) give the same string back. */
const diskCache = new Map<string, { mtimeMs: number; size: number; text: string }>();
const DISK_CACHE_SIZE = 64;

/** Reads a file from disk as UTF-8 (lossy), or says why not; undefined when it does not exist or is no regular file. */
export function readDisk(uri: string, maxBytes = MAX_LOCK_BYTES): ReadResult {
  const p = uriToPath(uri);
  if (!p) return undefined;
  try {
    // Unchanged files (same mtime and size) give the same string back without reading.
    const st = fs.statSync(p);
    const cached = diskCache.get(p);
    if (st.isFile() && st.size <= maxBytes && cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return { text: cached.text };
  } catch {
    // readRegularFile says what is wrong.
  }
  const r = readRegularFile(p, maxBytes);
  switch (r.kind) {
    case 'missing':
    case 'not-file':
      return undefined;
    case 'too-large':
      return { error: `${path.basename(p)} is ${(r.bytes / 1e6).toFixed(0)} MB, over the ${(maxBytes / 1e6).toFixed(0)} MB Flake Lens reads` };
    case 'error':
      return { error: r.message };
  }
  diskCache.delete(p);
  diskCache.set(p, { mtimeMs: r.stat.mtimeMs, size: r.stat.size, text: r.text });
  if (diskCache.size > DISK_CACHE_SIZE) diskCache.delete(diskCache.keys().next().value!);
  return { text: r.text };
}

const SKIP = new Set(['.git', 'node_modules', '.direnv', '.cache', 'dist', 'out']);

/** flake.nix files under a folder (nested flakes too), breadth-first and bounded. */
export function findFlakes(root: string, maxDirs = 5000, maxDepth = 8): string[] {
  const out: string[] = [];
  const queue: [string, number][] = [[root, 0]];
  let seen = 0;
  while (queue.length && seen < maxDirs) {
    const [dir, depth] = queue.shift()!;
    seen++;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isFile() && e.name === 'flake.nix') out.push(path.join(dir, e.name));
      else if (e.isDirectory() && depth < maxDepth && !SKIP.has(e.name) && !/^result(-|$)/.test(e.name)) queue.push([path.join(dir, e.name), depth + 1]);
    }
  }
  return out.sort();
}
