// The update manifest (docs/protocol.md, "Signed updates"): what a terminal needs to decide
// whether to install a file and to check the file it downloads. The Ed25519 signature covers
// a transcript of every field, never the JSON, so member order and spacing do not matter.
import { fromBase64Url, fromHex, uintBE } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import { LOT_ID_PATTERN } from '../factory/lotKeys.ts';
import { encodeStringList, transcript } from '../transcript.ts';
import { isUpdateVersion } from './updateVersion.ts';

/** An update manifest. Every field is covered by the signature. */
export interface UpdateManifest {
  /** MAJOR.MINOR.PATCH of the software the file installs. */
  version: string;
  /** Suggested file name, `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$` (no path). */
  fileName: string;
  /** File size in bytes (1 … 2^53−1). */
  size: number;
  /** SHA-256 of the file, 64 lower-case hex digits (the form `sha256sum` prints). */
  sha256: string;
  /** Terminals below this version must not install it (they need an intermediate update); null for none. */
  minVersion: string | null;
  /** Lots the update is for; empty means every lot. */
  lots: string[];
  /** When it was published: RFC 3339 UTC with milliseconds, as `Date#toISOString` writes it. */
  createdAt: string;
}

/** A manifest with its signature, as the server sends it. */
export interface SignedUpdateManifest {
  manifest: UpdateManifest;
  /** Ed25519 signature (64 bytes, base64url) over {@link updateManifestTranscript}. */
  signature: string;
}

/** Limits of the manifest fields. */
export const UPDATE_MANIFEST_LIMITS = Object.freeze({
  fileNamePattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
  maxLots: 256,
  lotIdPattern: LOT_ID_PATTERN,
  sha256Pattern: '^[0-9a-f]{64}$',
  signatureChars: 86,
});

const FILE_NAME = new RegExp(UPDATE_MANIFEST_LIMITS.fileNamePattern);
const LOT_ID = new RegExp(LOT_ID_PATTERN);
const SHA256 = new RegExp(UPDATE_MANIFEST_LIMITS.sha256Pattern);
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KEYS = ['version', 'fileName', 'size', 'sha256', 'minVersion', 'lots', 'createdAt'];

function invalid(field: string, why: string): never {
  throw new TesseraError('input.invalid', `manifest ${field} ${why}`, { field });
}

/**
 * Checks that a value is a well-formed manifest and returns it as one (a copy).
 * Throws `input.invalid` naming the first bad field.
 */
export function parseUpdateManifest(value: unknown): UpdateManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('', 'is not an object');
  const m = value as Record<string, unknown>;
  for (const k of Object.keys(m)) if (!KEYS.includes(k)) invalid(k, 'is not a manifest field');
  if (!isUpdateVersion(m['version'])) invalid('version', 'must be MAJOR.MINOR.PATCH');
  if (typeof m['fileName'] !== 'string' || !FILE_NAME.test(m['fileName'])) invalid('fileName', 'must be a plain file name');
  const size = m['size'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) invalid('size', 'must be a positive integer');
  if (typeof m['sha256'] !== 'string' || !SHA256.test(m['sha256'])) invalid('sha256', 'must be 64 lower-case hex digits');
  if (m['minVersion'] !== null && !isUpdateVersion(m['minVersion'])) invalid('minVersion', 'must be MAJOR.MINOR.PATCH or null');
  const lots = m['lots'];
  if (!Array.isArray(lots) || lots.length > UPDATE_MANIFEST_LIMITS.maxLots) invalid('lots', `must be a list of at most ${UPDATE_MANIFEST_LIMITS.maxLots} lot ids`);
  if (!lots.every((l) => typeof l === 'string' && LOT_ID.test(l))) invalid('lots', 'holds a malformed lot id');
  if (new Set(lots).size !== lots.length) invalid('lots', 'holds a lot twice');
  const createdAt = m['createdAt'];
  if (typeof createdAt !== 'string' || !ISO_MS.test(createdAt) || Number.isNaN(Date.parse(createdAt)) || new Date(createdAt).toISOString() !== createdAt) {
    invalid('createdAt', 'must be an RFC 3339 UTC time with milliseconds');
  }
  return {
    version: m['version'],
    fileName: m['fileName'],
    size,
    sha256: m['sha256'],
    minVersion: m['minVersion'],
    lots: [...(lots as string[])],
    createdAt,
  };
}

/** Parses `{manifest, signature}`; throws `input.invalid` or `input.invalid_encoding`. */
export function parseSignedUpdateManifest(value: unknown): { manifest: UpdateManifest; signature: Uint8Array } {
  if (typeof value !== 'object' || value === null) invalid('', 'is not an object');
  const { manifest, signature, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) invalid(Object.keys(rest)[0]!, 'is not a signed-manifest field');
  if (typeof signature !== 'string' || signature.length !== UPDATE_MANIFEST_LIMITS.signatureChars) invalid('signature', 'must be 64 bytes in base64url');
  return { manifest: parseUpdateManifest(manifest), signature: fromBase64Url(signature, 'signature') };
}

/**
 * The bytes the update key signs:
 * transcript("update-manifest", [version, fileName, u64be(size), sha256 (32 raw bytes),
 * minVersion or "", lots as item(lot_1) ‖ … ‖ item(lot_n), createdAt]).
 */
export function updateManifestTranscript(m: UpdateManifest): Uint8Array {
  return transcript('update-manifest', [
    m.version,
    m.fileName,
    uintBE(m.size, 8),
    fromHex(m.sha256, 'sha256'),
    m.minVersion ?? '',
    encodeStringList(m.lots), // the same list encoding as offered suites (§4.2)
    m.createdAt,
  ]);
}
