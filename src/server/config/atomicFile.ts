// Replacing a file so that a crash leaves either its old or its whole new content, never a
// part: the key file a rotation rewrites, and the CLI's checkpoints and manifests.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `data` to a temporary file of its own next to `path` (mode `mode`), syncs it, renames
 * it over `path`, then syncs the directory so the rename itself survives a power cut (where
 * the platform allows). The temporary name carries the pid and a random suffix, so two
 * writers never share one (a shared name let one rename the other's half-written file, or
 * find it gone); it is removed when any step fails. Two writers still race for `path`: the
 * last rename wins, so a caller that reads, changes and rewrites takes its own lock.
 * @example writeFileAtomic('/var/lib/tessera/master.keys', '1:…,2:…\n', 0o600)
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
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
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
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
