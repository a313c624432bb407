// Input and output helpers shared by the CLI commands.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
 * Replaces `path` atomically: the data goes to `path.tmp`, is synced, and is renamed over
 * `path`, so the file holds either its old or its whole new content, never a part.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
