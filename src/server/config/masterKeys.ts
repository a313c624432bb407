// The master-key ring: versioned 32-byte keys by kid. New terminals, code batches, lots and
// bindings use the current kid (the newest, unless TESSERA_MASTER_KEY_CURRENT names another);
// existing ones keep the kid they were made under, so rotation breaks nobody. Keys come from
// TESSERA_MASTER_KEY or a 0600 file in the data dir created on first run.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fromBase64Url, toBase64Url } from '../../protocol/bytes.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { writeFileAtomic } from './atomicFile.ts';
import { loadOrCreateSecretFile } from './secretFile.ts';

/** A versioned set of master keys. */
export interface MasterKeyRing {
  /**
   * The key everything new is made under (terminals, lots, code batches, binding hashes): the
   * newest kid, or the one TESSERA_MASTER_KEY_CURRENT names (see {@link withCurrentKid}).
   */
  readonly current: { kid: number; key: Uint8Array };
  /** The key of a kid, or undefined when this deployment no longer has it. */
  get(kid: number): Uint8Array | undefined;
  readonly kids: readonly number[];
}

function ring(entries: Map<number, Uint8Array>, currentKid?: number): MasterKeyRing {
  const kids = [...entries.keys()].sort((a, b) => a - b);
  const kid = currentKid ?? kids[kids.length - 1];
  if (kid === undefined) throw new TesseraError('config.invalid', 'no master key configured');
  return Object.freeze({ current: { kid, key: entries.get(kid)! }, get: (k: number) => entries.get(k), kids: Object.freeze(kids) });
}

/**
 * The ring with `kid` as its current key (TESSERA_MASTER_KEY_CURRENT); `undefined` keeps the
 * newest. A rolling rotation needs it: every process must hold a new key before any process
 * makes something under it, or the processes still on the old ring cannot verify it.
 * @example withCurrentKid(parseMasterKeys(`1:${k1},2:${k2}`), 1, 'TESSERA_MASTER_KEY').current.kid // 1
 */
export function withCurrentKid(r: MasterKeyRing, kid: number | undefined, source: string): MasterKeyRing {
  if (kid === undefined) return r;
  if (r.get(kid) === undefined) {
    throw new TesseraError('config.invalid', `TESSERA_MASTER_KEY_CURRENT is ${kid} but the master keys (${source}) hold kids ${r.kids.join(', ')}`);
  }
  return ring(new Map(r.kids.map((k) => [k, r.get(k)!])), kid);
}

/**
 * Parses `kid:base64url[,kid:base64url…]`; a single bare key means kid 1.
 * @example parseMasterKeys('1:' + 'A'.repeat(43))
 */
export function parseMasterKeys(text: string, source = 'TESSERA_MASTER_KEY'): MasterKeyRing {
  const malformed = () => new TesseraError('config.invalid', `${source} must be kid:base64url pairs of 32-byte keys with distinct kids ≥ 1`);
  const entries = new Map<number, Uint8Array>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:(\d{1,9}):)?([A-Za-z0-9_-]+)$/.exec(part);
    const kid = m ? Number(m[1] ?? '1') : Number.NaN;
    let key: Uint8Array | undefined;
    try {
      key = m ? fromBase64Url(m[2]!) : undefined;
    } catch {
      key = undefined;
    }
    if (!m || kid < 1 || !key || key.length !== 32 || entries.has(kid)) throw malformed();
    entries.set(kid, key);
  }
  // An empty key file said only "no master key configured", naming nothing.
  if (entries.size === 0) throw malformed();
  return ring(entries);
}

/** Serializes a ring in the `kid:base64url` form (for the key file). */
export function formatMasterKeys(r: MasterKeyRing): string {
  return r.kids.map((kid) => `${kid}:${toBase64Url(r.get(kid)!)}`).join(',');
}

/** Reads the key file, creating it with one fresh key (kid 1, mode 0600) when absent. */
export function loadOrCreateKeyFile(path: string): { ring: MasterKeyRing; created: boolean } {
  const { text, created } = loadOrCreateSecretFile(path, 'master key', () => `1:${toBase64Url(randomBytes(32))}\n`, { makeDir: true });
  return { ring: parseMasterKeys(text, path), created };
}

/** The lock file that serializes rotations of the key file at `path`. */
export const rotationLockPath = (path: string) => `${path}.lock`;

/**
 * Takes the rotation lock: a file created with 'wx' next to the key file, holding the pid for
 * whoever finds it. Refused (never waited for) when another rotation holds it.
 */
function takeRotationLock(path: string): () => void {
  const lock = rotationLockPath(path);
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EEXIST') {
      throw new TesseraError('input.invalid', `another rotation is in progress (lock file ${lock}); remove it if no rotation is running`);
    }
    throw new TesseraError('input.invalid', `cannot create the rotation lock file ${lock} (${code})`, { cause: err });
  }
  try {
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    // A lock that could not be written (a full disk) must not outlive this attempt and refuse every later one.
    rmSync(lock, { force: true });
    throw err;
  }
  return () => rmSync(lock, { force: true });
}

/**
 * Removes what a rotation that crashed before its rename left beside the key file: a whole
 * or partial copy of a ring (mode 0600), whose keys would otherwise outlive their retirement.
 * Called under the rotation lock, when no other rotation can be writing one.
 */
function removeStaleTemporaries(path: string): void {
  const name = basename(path);
  const dir = dirname(path);
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith(`${name}.`) || !entry.endsWith('.tmp')) continue;
    const middle = entry.slice(name.length + 1, -'.tmp'.length);
    // writeFileAtomic's `<pid>.<12 hex>`, or the single name of versions before it
    if (middle === '' || /^\d+\.[0-9a-f]{12}$/.test(middle)) rmSync(join(dir, entry), { force: true });
  }
}

/**
 * Adds a new newest key to an existing key file and returns the new ring (its current kid is
 * the new one). The file is replaced atomically: a crash leaves the old ring or the new one,
 * never a part of either. Rotations are serialized by a lock file: a second one running at the
 * same time is refused, so two never read the same ring and one of their keys gets lost.
 * A missing file is refused (a mistyped data dir must not start a second, unrelated ring).
 */
export function rotateKeyFile(path: string): MasterKeyRing {
  if (!existsSync(path)) {
    throw new TesseraError('input.invalid', `no master-key file at ${path}: the server creates it on its first start; check the data dir`);
  }
  const release = takeRotationLock(path);
  try {
    removeStaleTemporaries(path);
    const { ring: old } = loadOrCreateKeyFile(path);
    const next = old.kids[old.kids.length - 1]! + 1;
    const updated = parseMasterKeys(`${formatMasterKeys(old)},${next}:${toBase64Url(randomBytes(32))}`, path);
    writeFileAtomic(path, `${formatMasterKeys(updated)}\n`, 0o600);
    return updated;
  } finally {
    release();
  }
}
