// Replacing a file so that a crash leaves either its old or its whole new content, never a
// part: the key file a rotation rewrites, and the CLI's checkpoints and manifests.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `data` to `path.tmp` (mode `mode`), syncs it, renames it over `path`, then syncs the
 * directory so the rename itself survives a power cut (where the platform allows).
 * @example writeFileAtomic('/var/lib/tessera/master.keys', '1:…,2:…\n', 0o600)
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = `${path}.tmp`;
  // A temp file left by a crash is removed, not reused: it would keep its own mode.
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
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
