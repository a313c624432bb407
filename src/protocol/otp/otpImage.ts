// The OTP image (docs/factory.md §4): what the factory writes once into a terminal's
// one-time-programmable storage. Public fields in the clear, the terminal key sealed under a
// key derived from the hardware fingerprint, and a SHA-256 trailer that tells a damaged or
// tampered image (refused) from a healthy image on the wrong hardware (restricted mode).
import { type AeadSuiteName, getAeadSuite } from '../aeadSuites.ts';
import { concatBytes, fromUtf8, utf8 } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import { encodeSuiteList } from '../handshake/handshakeContext.ts';
import type { Primitives } from '../primitives.ts';
import { transcript } from '../transcript.ts';

/** "TSOT": Tessera OTP. */
export const OTP_MAGIC = utf8('TSOT');
export const OTP_VERSION = 1;
const FIXED = 74; // magic 4, version 1, seal suite 1, kid 4, update key 32, salt 32
const DIGEST = 32;

/** The public content of an image. */
export interface OtpImageFields {
  lotId: string;
  terminalId: string;
  kid: number;
  serverId: string;
  url: string;
  /** Handshake suites the terminal offers, in order. */
  handshakeSuites: string[];
  /** AEAD suites the lot allows, in order; the first seals the image. */
  aeadSuites: AeadSuiteName[];
  /** Ed25519 public key (32 bytes) that signs update manifests. */
  updatePublicKey: Uint8Array;
}

/** A parsed image: fields plus what unsealing needs. */
export interface OtpImage extends OtpImageFields {
  readonly salt: Uint8Array;
  readonly nonce: Uint8Array;
  readonly sealed: Uint8Array;
  /** The bytes the AEAD authenticates (everything before the nonce). */
  readonly aad: Uint8Array;
}

const item = (b: Uint8Array) => concatBytes(new Uint8Array([b.length >>> 8, b.length & 0xff]), b);

function sealingKey(p: Primitives, fph: Uint8Array, salt: Uint8Array, terminalId: string, length: number): Uint8Array {
  return p.hkdf('sha256', fph, salt, transcript('otp-seal', [terminalId]), length);
}

/**
 * Builds an image sealing `terminalKey` under the fingerprint hash `fph` with the first AEAD
 * suite of the policy.
 */
export function buildOtpImage(p: Primitives, fields: OtpImageFields, terminalKey: Uint8Array, fph: Uint8Array): Uint8Array {
  const suite = getAeadSuite(fields.aeadSuites[0] ?? '');
  if (!suite) throw new TesseraError('input.invalid', 'the lot has no known AEAD suite', { field: 'aeadSuites' });
  if (fields.updatePublicKey.length !== 32) throw new TesseraError('input.invalid', 'update public key must be 32 bytes');
  const header = new Uint8Array(FIXED);
  header.set(OTP_MAGIC, 0);
  header[4] = OTP_VERSION;
  header[5] = suite.id;
  new DataView(header.buffer).setUint32(6, fields.kid);
  header.set(fields.updatePublicKey, 10);
  const salt = p.randomBytes(32);
  header.set(salt, 42);
  const aad = concatBytes(
    header,
    item(utf8(fields.lotId)),
    item(utf8(fields.terminalId)),
    item(utf8(fields.serverId)),
    item(utf8(fields.url)),
    item(encodeSuiteList(fields.handshakeSuites)),
    item(encodeSuiteList(fields.aeadSuites)),
  );
  const nonce = p.randomBytes(suite.nonceLength);
  const sealed = suite.seal(p, sealingKey(p, fph, salt, fields.terminalId, suite.keyLength), nonce, aad, terminalKey);
  const body = concatBytes(aad, item(nonce), item(sealed));
  return concatBytes(body, p.digest('sha256', body));
}

function corrupt(why: string): never {
  throw new TesseraError('otp.image_corrupt', `the OTP image is damaged or altered: ${why}`);
}

function decodeSuiteList(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let off = 0; off < bytes.length; ) {
    const len = ((bytes[off] ?? corrupt('suite list')) << 8) | (bytes[off + 1] ?? corrupt('suite list'));
    if (off + 2 + len > bytes.length) corrupt('suite list');
    out.push(fromUtf8(bytes.subarray(off + 2, off + 2 + len)));
    off += 2 + len;
  }
  return out;
}

/** Parses an image and checks its magic, version and digest; throws `otp.image_corrupt`. */
export function parseOtpImage(p: Primitives, image: Uint8Array): OtpImage {
  if (image.length < FIXED + DIGEST) corrupt('too short');
  if (!p.equal(image.subarray(0, 4), OTP_MAGIC)) corrupt('not an OTP image');
  const body = image.subarray(0, image.length - DIGEST);
  if (!p.equal(p.digest('sha256', body), image.subarray(image.length - DIGEST))) corrupt('digest mismatch');
  if (image[4] !== OTP_VERSION) throw new TesseraError('otp.image_corrupt', `OTP image version ${image[4]} is not supported`);
  const suite = getAeadSuite(image[5]!);
  if (!suite) corrupt('unknown seal suite');
  const items: Uint8Array[] = [];
  let off = FIXED;
  let aadEnd = 0;
  while (off < body.length) {
    if (items.length === 6) aadEnd = off;
    if (off + 2 > body.length) corrupt('truncated field');
    const len = (body[off]! << 8) | body[off + 1]!;
    if (off + 2 + len > body.length) corrupt('truncated field');
    items.push(body.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  if (items.length !== 8) corrupt('wrong number of fields');
  const [lot, tid, sid, url, hs, aead, nonce, sealed] = items as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  let text: string[];
  try {
    text = [lot, tid, sid, url].map(fromUtf8);
  } catch {
    corrupt('text field is not UTF-8');
  }
  const aeadSuites = decodeSuiteList(aead);
  if (aeadSuites[0] !== suite.name || !aeadSuites.every((s) => getAeadSuite(s))) corrupt('AEAD suite list');
  return {
    lotId: text[0]!,
    terminalId: text[1]!,
    serverId: text[2]!,
    url: text[3]!,
    kid: new DataView(body.buffer, body.byteOffset).getUint32(6),
    updatePublicKey: body.slice(10, 42),
    salt: body.slice(42, 74),
    handshakeSuites: decodeSuiteList(hs),
    aeadSuites: aeadSuites as AeadSuiteName[],
    nonce,
    sealed,
    aad: body.subarray(0, aadEnd),
  };
}

/** Unseals the terminal key with this hardware's fingerprint hash; undefined on other hardware. */
export function unsealOtpImage(p: Primitives, image: OtpImage, fph: Uint8Array): Uint8Array | undefined {
  const suite = getAeadSuite(image.aeadSuites[0]!)!;
  return suite.open(p, sealingKey(p, fph, image.salt, image.terminalId, suite.keyLength), image.nonce, image.aad, image.sealed);
}
