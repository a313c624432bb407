// Input and output helpers shared by the CLI commands.
import { closeSync, fsyncSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { TesseraError } from '../protocol/errors.ts';

/** Writes one line to stdout. */
export const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** Writes a warning line to stderr. */
export const warn = (text: string): void => {
  process.stderr.write(`tessera: warning: ${text}\n`);
};

/** Reads an input file; a missing or unreadable one is a usage error (exit 2). */
export function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new TesseraError('input.invalid', `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Gets something the server shows only once (codes, a credential, a station file) into a new
 * file of mode 0600. The file is created first, so a path that cannot take it costs nothing
 * on the server, and it is removed when the request fails. `texts`: why the file must be new,
 * what was not done when it cannot be created, and what to do when it cannot be written after
 * the server has answered.
 */
export async function writeShownOnce<T>(
  path: string,
  texts: { shown: string; nothing: string; lost: (value: T) => string },
  request: () => Promise<T>,
  render: (value: T) => string,
): Promise<T> {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new TesseraError('input.invalid', code === 'EEXIST' ? `${path} exists; ${texts.shown}, so choose a new file` : `cannot create ${path} (${code}); ${texts.nothing}`);
  }
  const discard = () => {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(path, { force: true });
  };
  let value: T;
  try {
    value = await request();
  } catch (err) {
    discard();
    throw err;
  }
  try {
    writeFileSync(fd, render(value));
    fsyncSync(fd);
    closeSync(fd);
  } catch (err) {
    discard();
    throw new TesseraError('input.invalid', `${texts.lost(value)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return value;
}
