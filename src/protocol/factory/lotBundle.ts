// The import bundle (docs/factory.md §6): the server records of a provisioned lot, in blocks
// of consecutive records, and a manifest that lists every block's digest under a MAC keyed
// from the lot key. The server checks any one block on its own (manifest MAC, then the
// block's digest), so an import can go in chunks, resume, and repeat without server state.
import { fromBase64Url, toBase64Url, uintBE } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import { deriveSubkey } from '../keys.ts';
import type { Primitives } from '../primitives.ts';
import { type TranscriptField, transcript } from '../transcript.ts';

/** Records per block (and per import request) that `tessera factory provision` writes. */
export const BUNDLE_BLOCK_SIZE = 5000;
/** The largest block a server accepts in one request. */
export const MAX_BUNDLE_BLOCK_SIZE = 10_000;

/** One server record of the bundle (one NDJSON line of records.ndjson). */
export interface BundleRecord {
  terminalId: string;
  /** base64url of the fingerprint hash fph (32 bytes). */
  hwHash: string;
}

/** bundle/manifest.json. */
export interface BundleManifest {
  version: 1;
  lotId: string;
  kid: number;
  /** Number of records. */
  count: number;
  /** Records per block; the last block may be shorter. */
  blockSize: number;
  /** base64url SHA-256 digest of each block, in order (see {@link blockDigest}). */
  blocks: string[];
  /** base64url HMAC-SHA256 under K_imp over all of the above (see {@link manifestMac}). */
  mac: string;
}

/** K_imp = HKDF-SHA256(ikm = K_lot, salt = "", info = "tessera/1/lot-import"). */
export function deriveLotImportKey(p: Primitives, lotKey: Uint8Array): Uint8Array {
  return deriveSubkey(p, 'sha256', lotKey, 'lot-import');
}

/**
 * Digest of block `index` (0-based): SHA-256(transcript("lot-block", [lotId, u32 index,
 * terminalId_1, fph_1, …, terminalId_n, fph_n])).
 */
export function blockDigest(p: Primitives, lotId: string, index: number, records: ReadonlyArray<{ terminalId: string; fph: Uint8Array }>): Uint8Array {
  const fields: TranscriptField[] = [lotId, uintBE(index, 4)];
  for (const r of records) fields.push(r.terminalId, r.fph);
  return p.digest('sha256', transcript('lot-block', fields));
}

/**
 * MAC of a manifest: HMAC-SHA256(K_imp, transcript("lot-import", [lotId, u32 kid, u64 count,
 * u32 blockSize, digest_0, …, digest_k])).
 */
export function manifestMac(p: Primitives, importKey: Uint8Array, m: Omit<BundleManifest, 'mac' | 'version'>): Uint8Array {
  const fields: TranscriptField[] = [m.lotId, uintBE(m.kid, 4), uintBE(m.count, 8), uintBE(m.blockSize, 4), ...m.blocks.map((b) => fromBase64Url(b, 'blocks'))];
  return p.hmac('sha256', importKey, transcript('lot-import', fields));
}

/** Builds a manifest and its MAC. */
export function sealManifest(p: Primitives, lotKey: Uint8Array, m: Omit<BundleManifest, 'mac' | 'version'>): BundleManifest {
  return { version: 1, ...m, blocks: [...m.blocks], mac: toBase64Url(manifestMac(p, deriveLotImportKey(p, lotKey), m)) };
}

/** Number of records block `index` of a manifest must hold. */
export function blockLength(m: Pick<BundleManifest, 'count' | 'blockSize'>, index: number): number {
  return Math.max(0, Math.min(m.blockSize, m.count - index * m.blockSize));
}

function refuse(why: string): never {
  throw new TesseraError('lot.bundle_invalid', `the import bundle does not verify: ${why}`);
}

/**
 * Checks a manifest's shape and MAC under the lot key; throws `lot.bundle_invalid`. A valid
 * MAC shows the manifest was made by a holder of K_lot (a factory station of this lot, or
 * this server) and not changed since.
 */
export function verifyManifest(p: Primitives, lotKey: Uint8Array, m: BundleManifest): void {
  if (!Number.isSafeInteger(m.count) || m.count < 0) refuse('count');
  if (!Number.isInteger(m.blockSize) || m.blockSize < 1 || m.blockSize > MAX_BUNDLE_BLOCK_SIZE) refuse('block size');
  if (m.blocks.length !== Math.ceil(m.count / m.blockSize)) refuse('the block list does not match the count');
  let mac: Uint8Array;
  let expected: Uint8Array;
  try {
    mac = fromBase64Url(m.mac, 'mac');
    expected = manifestMac(p, deriveLotImportKey(p, lotKey), m);
  } catch {
    refuse('malformed manifest');
  }
  if (!p.equal(mac, expected)) refuse('manifest MAC mismatch (altered, or not made with this lot\'s key)');
}

/**
 * Checks that `records` are exactly block `index` of a verified manifest; returns their
 * fingerprint hashes. Throws `lot.bundle_invalid`.
 */
export function verifyBlock(p: Primitives, m: BundleManifest, index: number, records: readonly BundleRecord[]): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= m.blocks.length) refuse(`no block ${index}`);
  if (records.length !== blockLength(m, index)) refuse(`block ${index} must hold ${blockLength(m, index)} records`);
  let decoded: Array<{ terminalId: string; fph: Uint8Array }>;
  try {
    decoded = records.map((r) => ({ terminalId: r.terminalId, fph: fromBase64Url(r.hwHash, 'hwHash') }));
  } catch {
    refuse('a record is malformed');
  }
  if (decoded.some((r) => r.fph.length !== 32)) refuse('a record is malformed');
  if (!p.equal(blockDigest(p, m.lotId, index, decoded), fromBase64Url(m.blocks[index]!, 'blocks'))) refuse(`block ${index} was altered`);
  return decoded.map((r) => r.fph);
}
