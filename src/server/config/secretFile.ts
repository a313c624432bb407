// The secret files of the data dir (master keys, admin token, update key): made on first run
// with mode 0600, and refused later when group or others may read them.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TesseraError } from '../../protocol/errors.ts';

/**
 * Reads a secret file, creating it (mode 0600, never over an existing file) with the text of
 * `fresh()` when absent. `what` names the file in the error about its mode.
 * @example loadOrCreateSecretFile('/var/lib/tessera/admin.token', 'admin token', () => 'secret\n')
 */
export function loadOrCreateSecretFile(path: string, what: string, fresh: () => string, opts: { makeDir?: boolean } = {}): { text: string; created: boolean } {
  let created = false;
  if (!existsSync(path)) {
    if (opts.makeDir) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, fresh(), { mode: 0o600, flag: 'wx' });
    created = true;
  }
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new TesseraError('config.invalid', `${what} file ${path} must not be readable by group or others (chmod 600)`);
  }
  return { text: readFileSync(path, 'utf8'), created };
}
