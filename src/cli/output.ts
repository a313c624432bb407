// Input and output helpers shared by the CLI commands.
import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { TesseraError } from '../protocol/errors.ts';

/** Writes one line to stdout. */
export const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** Writes a warning line to stderr. */
export const warn = (text: string): void => {
  process.stderr.write(`tessera: warning: ${text}\n`);
};

const errnoCode = (err: unknown): string => (err as NodeJS.ErrnoException)?.code ?? 'error';

/** The input error for an output path that cannot be created (naming the flag and the reason). */
export function outputPathError(flag: string, path: string, err: unknown): TesseraError {
  return new TesseraError('input.invalid', `${flag} ${path}: cannot create it (${errnoCode(err)})`);
}

/** Throws an errno-like error with `code` (for {@link outputPathError}). */
function errno(code: string): never {
  throw Object.assign(new Error(code), { code });
}

/**
 * Checks, before anything is done, that `path` can become a new file: it does not exist and
 * its directory exists and is writable. `exists`: why it is never overwritten.
 */
export function checkNewFile(flag: string, path: string, exists: string): void {
  if (existsSync(path)) throw new TesseraError('input.invalid', `${flag} ${path} exists; ${exists}`);
  try {
    if (!statSync(dirname(path)).isDirectory()) errno('ENOTDIR');
    accessSync(dirname(path), constants.W_OK | constants.X_OK);
  } catch (err) {
    throw outputPathError(flag, path, err);
  }
}

/** Checks, before anything is done, that `path` is a writable directory or can be created as one. */
export function checkOutputDir(flag: string, path: string): void {
  try {
    for (let p = path; ; p = dirname(p)) {
      let isDir: boolean;
      try {
        isDir = statSync(p).isDirectory();
      } catch (err) {
        if (errnoCode(err) === 'ENOENT' && dirname(p) !== p) continue;
        throw err;
      }
      if (!isDir) errno('ENOTDIR');
      accessSync(p, constants.W_OK | constants.X_OK);
      return;
    }
  } catch (err) {
    throw outputPathError(flag, path, err);
  }
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Runs `fn`; a SIGINT or SIGTERM meanwhile runs `cleanup` (removing what is half-written),
 * prints one line `tessera: interrupted: <message()>` and exits 130 or 143. `fn` must give
 * the event loop a turn now and then, or the signal waits until it is done.
 */
export async function whileInterruptible<T>(cleanup: () => void, message: () => string, fn: () => Promise<T>): Promise<T> {
  const handler = (signal: NodeJS.Signals) => {
    try {
      cleanup();
    } catch {
      // best effort: the message says what is left
    }
    process.stderr.write(`tessera: interrupted: ${message()}\n`);
    process.exit(SIGNAL_EXIT[signal] ?? 1);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
}

/**
 * Creates the new file `path` (given as `flag`) whole or not at all: `fill` writes into a
 * temporary file next to it, which is synced and then linked to `path` (never replacing a file
 * that appeared meanwhile). A failure or an interrupt (SIGINT/SIGTERM, exit 130/143) removes
 * the temporary file. `fill` should await now and then so that an interrupt is seen.
 */
export async function writeNewFile(flag: string, path: string, mode: number, fill: (write: (data: string | Uint8Array) => void) => Promise<void> | void): Promise<void> {
  checkNewFile(flag, path, 'it is never overwritten');
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let fd = -1;
  let open = false;
  const discard = () => {
    if (open) closeSync(fd);
    open = false;
    rmSync(tmp, { force: true });
  };
  const write = (data: string | Uint8Array) => {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
  };
  // The temporary file is made inside: an interrupt from the moment it exists removes it.
  await whileInterruptible(discard, () => `nothing was written to ${path}`, async () => {
    try {
      fd = openSync(tmp, 'wx', mode);
      open = true;
    } catch (err) {
      throw outputPathError(flag, path, err);
    }
    try {
      await fill(write);
      fsyncSync(fd);
      closeSync(fd);
      open = false;
      try {
        linkSync(tmp, path); // fails if path exists: never overwrites
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'EEXIST') throw new TesseraError('input.invalid', `${flag} ${path} exists; it is never overwritten`);
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw err;
        if (existsSync(path)) throw new TesseraError('input.invalid', `${flag} ${path} exists; it is never overwritten`);
        renameSync(tmp, path); // a file system without hard links
      }
      rmSync(tmp, { force: true });
    } catch (err) {
      discard();
      if (err instanceof TesseraError) throw err;
      throw new TesseraError('input.invalid', `${flag} ${path}: cannot write it (${errnoCode(err)}); nothing was written`);
    }
  });
}

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
 * the server has answered (`lost`, called without a value when an interrupt came before the
 * answer). A SIGINT or SIGTERM while the request is under way removes the file, prints `lost`
 * (the server may have done it) and exits 130 or 143.
 */
export async function writeShownOnce<T>(
  path: string,
  texts: { shown: string; nothing: string; lost: (value?: T) => string },
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
  let written = false;
  const discard = () => {
    if (written) return; // an interrupt after the last write keeps the whole file
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(path, { force: true });
  };
  let value: T | undefined;
  const interrupted = () => (written ? `${path} was written whole` : `${path} removed before it was written; if the request reached the server: ${texts.lost(value)}`);
  return whileInterruptible(discard, interrupted, async () => {
    let answer: T;
    try {
      answer = await request();
    } catch (err) {
      discard();
      throw err;
    }
    value = answer;
    try {
      writeFileSync(fd, render(answer));
      fsyncSync(fd);
      closeSync(fd);
      written = true;
    } catch (err) {
      discard();
      throw new TesseraError('input.invalid', `${texts.lost(answer)} (${errnoCode(err)})`);
    }
    return answer;
  });
}
