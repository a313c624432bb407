// The secret files of the data dir (master keys, admin token, update key): made on first run
// with mode 0600, and refused later when group or others may read them. Several processes
// starting at once on one data dir agree on one file: it is created whole, by one of them.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { TesseraError } from '../../protocol/errors.ts';
import { createFileAtomic } from './atomicFile.ts';

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'error';

/**
 * Reads a secret file, creating it (mode 0600, never over an existing file) with the text of
 * `fresh()` when absent. When several processes create it at once, one wins and all read its
 * text; no process ever reads a part of it. `what` names the file in errors, which never hold
 * its content. `created` says whether this call made it.
 * @example loadOrCreateSecretFile('/var/lib/tessera/admin.token', 'admin token', () => 'secret\n')
 */
export function loadOrCreateSecretFile(path: string, what: string, fresh: () => string, opts: { makeDir?: boolean } = {}): { text: string; created: boolean } {
  let created = false;
  if (!existsSync(path)) {
    try {
      if (opts.makeDir) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      created = createFileAtomic(path, fresh(), 0o600);
    } catch (err) {
      throw new TesseraError('config.invalid', `cannot create the ${what} file ${path} (${errno(err)}); check the data dir and its permissions`, { cause: err });
    }
  }
  let text: string;
  try {
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
      throw new TesseraError('config.invalid', `${what} file ${path} must not be readable by group or others (chmod 600)`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof TesseraError) throw err;
    throw new TesseraError('config.invalid', `cannot read the ${what} file ${path} (${errno(err)})`, { cause: err });
  }
  return { text, created };
}
