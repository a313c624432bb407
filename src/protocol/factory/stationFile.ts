// The station file (docs/factory.md §5): what `tessera factory lot create` hands a factory
// station, once. It holds the lot key K_lot and the public facts written into every OTP image
// of the lot; keep it mode 0600 on the station and nowhere else.
import { type AeadSuiteName, getAeadSuite } from '../aeadSuites.ts';
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import { getHandshakeSuite } from '../handshake/suites.ts';
import type { OtpImageFields } from '../otp/otpImage.ts';
import { LOT_ID_PATTERN } from './lotKeys.ts';

/** Station file contents, version 1 (binary fields base64url). */
export interface StationFile {
  version: 1;
  lotId: string;
  kid: number;
  /** K_lot (32 bytes). */
  lotKey: string;
  serverId: string;
  url: string;
  handshakeSuites: string[];
  aeadSuites: string[];
  /** Ed25519 public key (32 bytes) that signs update manifests. */
  updatePublicKey: string;
}

/** A station file decoded: the image fields every terminal of the lot shares, and K_lot. */
export interface LotMaterial {
  fields: Omit<OtpImageFields, 'terminalId'>;
  lotKey: Uint8Array;
}

/** Builds the station file of a lot. */
export function stationFileFor(m: LotMaterial): StationFile {
  const f = m.fields;
  return {
    version: 1,
    lotId: f.lotId,
    kid: f.kid,
    lotKey: toBase64Url(m.lotKey),
    serverId: f.serverId,
    url: f.url,
    handshakeSuites: [...f.handshakeSuites],
    aeadSuites: [...f.aeadSuites],
    updatePublicKey: toBase64Url(f.updatePublicKey),
  };
}

function bad(why: string): never {
  throw new TesseraError('input.invalid', `station file ${why}`);
}

function bytes32(value: unknown, name: string): Uint8Array {
  let b: Uint8Array | undefined;
  try {
    b = typeof value === 'string' ? fromBase64Url(value) : undefined;
  } catch {
    b = undefined;
  }
  if (b?.length !== 32) bad(`${name} must be 32 bytes of base64url`);
  return b;
}

const stringList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string');

/** Checks a parsed station file and decodes it; throws `input.invalid`. */
export function parseStationFile(value: unknown): LotMaterial {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('is not a JSON object');
  const v = value as Record<string, unknown>;
  if (v['version'] !== 1) bad('version must be 1');
  const { lotId, kid, serverId, url, handshakeSuites, aeadSuites } = v;
  if (typeof lotId !== 'string' || !new RegExp(LOT_ID_PATTERN).test(lotId)) bad('lotId is invalid');
  if (typeof kid !== 'number' || !Number.isInteger(kid) || kid < 1 || kid > 0xffffffff) bad('kid must be a positive 32-bit integer');
  if (typeof serverId !== 'string' || serverId.length === 0 || serverId.length > 256) bad('serverId is missing');
  if (typeof url !== 'string' || !/^https?:\/\//.test(url) || url.length > 2048) bad('url must be an http(s) URL');
  if (!stringList(handshakeSuites) || !handshakeSuites.every((s) => getHandshakeSuite(s))) bad('handshakeSuites must be known handshake suites');
  if (!stringList(aeadSuites) || !aeadSuites.every((s) => getAeadSuite(s))) bad('aeadSuites must be known AEAD suites');
  return {
    lotKey: bytes32(v['lotKey'], 'lotKey'),
    fields: { lotId, kid, serverId, url, handshakeSuites, aeadSuites: aeadSuites as AeadSuiteName[], updatePublicKey: bytes32(v['updatePublicKey'], 'updatePublicKey') },
  };
}
