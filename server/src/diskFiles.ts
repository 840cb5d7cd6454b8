// Reading files of a cloned (hostile) repository, shared by the server and the CLI: regular files
// only (a flake.lock symlinked to /dev/zero or a FIFO is refused, never read or waited on), and
// the size is checked on the open descriptor before a byte is read; at most the limit is read.
import * as fs from 'node:fs';

export type DiskRead =
  | { kind: 'text'; text: string; /** Not valid UTF-8: decoded with replacement characters. */ lossy: boolean; stat: fs.Stats }
  | { kind: 'too-large'; bytes: number; /** The first line (at most 64 KB), for a diagnostic's range. */ head: string }
  | { kind: 'not-file'; what: string }
  | { kind: 'missing' }
  | { kind: 'error'; message: string };

/** flake.lock files can be large (monorepos); past this they are reported, not parsed. A lock at
 * the node limit (MAX_LOCK_NODES) takes a few MB; this bounds what one read and parse can take. */
export const MAX_LOCK_BYTES = 16 * 1024 * 1024;

const HEAD_BYTES = 64 * 1024;

function describe(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads `n` bytes from the start of an open file, or fewer at its end. The buffer starts at the
 * size `expected` (fstat's) and grows only if the file did: allocating the whole limit (4 MB) per
 * file cost `check` more than reading.
 */
function readUpTo(fd: number, n: number, expected = n): Buffer {
  let buf = Buffer.allocUnsafe(Math.min(n, Math.max(expected, 0) + 1));
  let got = 0;
  while (got < n) {
    if (got === buf.length) {
      const bigger = Buffer.allocUnsafe(Math.min(n, buf.length * 2));
      buf.copy(bigger, 0, 0, got);
      buf = bigger;
    }
    const r = fs.readSync(fd, buf, got, buf.length - got, got);
    if (r === 0) break;
    got += r;
  }
  return buf.subarray(0, got);
}

/**
 * A file's text if it is a regular file of at most `maxBytes` bytes; otherwise why not.
 * `keepBom` keeps a leading U+FEFF so offsets match the bytes (the CLI rewrites files).
 */
export function readRegularFile(file: string, maxBytes: number, keepBom = false): DiskRead {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it changes nothing for regular files.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    if (code === 'EISDIR') return { kind: 'not-file', what: 'a folder' };
    return { kind: 'error', message: (e as Error).message };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { kind: 'not-file', what: describe(stat) };
    if (stat.size > maxBytes) {
      const head = new TextDecoder('utf-8').decode(readUpTo(fd, Math.min(HEAD_BYTES, stat.size)));
      return { kind: 'too-large', bytes: stat.size, head: head.slice(0, head.indexOf('\n') < 0 ? head.length : head.indexOf('\n')) };
    }
    // One byte past the limit tells a file that grew since fstat from one that is exactly full.
    const bytes = readUpTo(fd, maxBytes + 1, stat.size);
    if (bytes.length > maxBytes) return { kind: 'too-large', bytes: bytes.length, head: '' };
    try {
      return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: keepBom }).decode(bytes), lossy: false, stat };
    } catch {
      return { kind: 'text', text: new TextDecoder('utf-8', { ignoreBOM: keepBom }).decode(bytes), lossy: true, stat };
    }
  } catch (e) {
    return { kind: 'error', message: (e as Error).message };
  } finally {
    fs.closeSync(fd);
  }
}
