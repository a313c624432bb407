// Writing a file so that nobody ever sees a part of it: replacing one (the key file a rotation
// rewrites, the CLI's checkpoints and manifests) leaves its old or its whole new content, and
// creating one (the secret files of a first start) leaves none or the whole of one writer's.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `data` to a temporary file of its own next to `path` (mode `mode`), synced, and returns
 * its name. The name carries the pid and a random suffix, so two writers never share one (a
 * shared name let one rename the other's half-written file, or find it gone).
 */
function writeTemporary(path: string, data: string | Uint8Array, mode: number): string {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  // 'wx': a fresh file with `mode`, never one someone else made (it would keep its own mode).
  const fd = openSync(tmp, 'wx', mode);
  try {
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return tmp;
}

/** Syncs the directory of `path`, so a rename or link into it survives a power cut (where the platform allows). */
function syncDirectoryOf(path: string): void {
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some platforms cannot open or sync a directory; the file itself is synced.
  }
}

/**
 * Writes `data` to a temporary file next to `path` (mode `mode`), renames it over `path`, then
 * syncs the directory. The temporary file is removed when any step fails. Two writers still
 * race for `path`: the last rename wins, so a caller that reads, changes and rewrites takes its
 * own lock.
 * @example writeFileAtomic('/var/lib/tessera/master.keys', '1:…,2:…\n', 0o600)
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = writeTemporary(path, data, mode);
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDirectoryOf(path);
}

/**
 * Creates `path` with `data` (mode `mode`) unless it exists: the data goes to a temporary file
 * next to it, which is then hard-linked to `path`. The link fails when `path` exists, so of
 * several processes creating it at once exactly one wins, and nobody can open `path` before it
 * holds the winner's whole data. Returns false (nothing written) when `path` already existed
 * or another writer won. The temporary file is removed in every case.
 * @example createFileAtomic('/var/lib/tessera/admin.token', 'secret\n', 0o600) // true on the first call
 */
export function createFileAtomic(path: string, data: string | Uint8Array, mode: number): boolean {
  const tmp = writeTemporary(path, data, mode);
  try {
    linkSync(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === undefined || !NO_HARD_LINKS.has(code)) throw err;
    return createFileExclusive(path, data, mode);
  } finally {
    rmSync(tmp, { force: true });
  }
  syncDirectoryOf(path);
  return true;
}

/** What link() answers on a file system without hard links (FAT, some network shares). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * {@link createFileAtomic} where hard links are missing: `path` is created exclusively and then
 * written, so still exactly one writer wins, but a reader may find it for a moment empty.
 */
function createFileExclusive(path: string, data: string | Uint8Array, mode: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw err;
  }
  closeSync(fd);
  syncDirectoryOf(path);
  return true;
}
