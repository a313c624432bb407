// The OTP image (docs/factory.md §4): what the factory writes once into a terminal's
// one-time-programmable storage. Public fields in the clear, the terminal key sealed under a
// key derived from the hardware fingerprint, and a SHA-256 trailer that tells a damaged or
// tampered image (refused) from a healthy image on the wrong hardware (restricted mode).
import { type AeadSuite, type AeadSuiteName, getAeadSuite } from '../aeadSuites.ts';
import { concatBytes, fromUtf8, utf8 } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import { deriveSubkey } from '../keys.ts';
import type { Primitives } from '../primitives.ts';
import { encodeItems, splitItems, transcript, writeItem } from '../transcript.ts';

/** "TSOT": Tessera OTP. */
export const OTP_MAGIC = utf8('TSOT');
export const OTP_VERSION = 1;
const HEAD = 42; // magic 4, version 1, seal suite 1, kid 4, update key 32
const SALT = 32;
const FIXED = HEAD + SALT; // 74
const DIGEST = 32;
/** The largest field an item's 2-byte length can carry. */
const MAX_ITEM = 0xffff;
/** K_t is 32 bytes (docs/factory.md §2). */
const TERMINAL_KEY_LENGTH = 32;
/** Length of `sealed` (K_t sealed) per sealing suite: 32 + 16-byte tag, or 48 padded + 32-byte HMAC-SM3. */
const SEALED_LENGTH: Readonly<Record<AeadSuiteName, number>> = { 'aes-256-gcm': 48, 'chacha20-poly1305': 48, 'sm4-cbc+hmac-sm3': 80 };

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

function tooLong(field: string, length: number): never {
  throw new TesseraError('input.invalid', `the OTP image field ${field} is ${length} bytes; a field holds at most ${MAX_ITEM}`, { field });
}

/** item(b) = u16be(len) ‖ b; refuses a field its 2-byte length cannot carry. */
function item(field: string, b: Uint8Array): Uint8Array {
  if (b.length > MAX_ITEM) tooLong(field, b.length);
  return encodeItems([b]);
}

function suiteList(field: string, suites: readonly string[]): Uint8Array {
  const names = suites.map(utf8);
  for (const n of names) if (n.length > MAX_ITEM) tooLong(`${field} entry`, n.length);
  return item(field, encodeItems(names));
}

/**
 * K_seal (docs/factory.md §2): HMAC-SHA256 under the image's salt of transcript("otp-seal",
 * [fph, terminalId]), which is HKDF-Extract (RFC 5869 §2.2) of the labelled fingerprint. The
 * 32-byte suites use it as it is; the 48 bytes of SM4-CBC+HMAC-SM3 are expanded from it.
 */
function sealingKey(p: Primitives, fph: Uint8Array, salt: Uint8Array, terminalId: Uint8Array, length: number): Uint8Array {
  const seed = p.hmac('sha256', salt, transcript('otp-seal', [fph, terminalId]));
  if (length === seed.length) return seed;
  const key = deriveSubkey(p, 'sha256', seed, 'otp-seal-key', length);
  seed.fill(0);
  return key;
}

/**
 * The images of one lot. Every field but the terminal id, the salt, the nonce and the seal is
 * the same in all of them, so those bytes are checked and laid out once here, and each image
 * is written straight into the caller's buffer (the factory packs a batch into one buffer).
 * The bytes are exactly those of {@link buildOtpImage}.
 * @example
 * const t = new OtpImageTemplate(lot.fields);
 * const image = new Uint8Array(t.imageLength(terminalId));
 * t.write(p, image, 0, terminalId, terminalKey, fph);
 */
export class OtpImageTemplate {
  /** Random bytes one image takes: the salt (32), then the nonce of the sealing suite. */
  readonly randomLength: number;
  readonly #suite: AeadSuite;
  readonly #sealedLength: number;
  /** Bytes 0–41: magic, version, sealing suite, kid, update key. */
  readonly #head: Uint8Array;
  readonly #lotItem: Uint8Array;
  /** item(serverId) ‖ item(url) ‖ item(handshake suites) ‖ item(AEAD suites). */
  readonly #tail: Uint8Array;

  /** Checks the lot's fields (`input.invalid` for one an image cannot carry). */
  constructor(fields: Omit<OtpImageFields, 'terminalId'>) {
    const suite = getAeadSuite(fields.aeadSuites[0] ?? '');
    if (!suite) throw new TesseraError('input.invalid', 'the lot has no known AEAD suite', { field: 'aeadSuites' });
    if (fields.updatePublicKey.length !== 32) throw new TesseraError('input.invalid', 'update public key must be 32 bytes', { field: 'updatePublicKey' });
    if (!Number.isInteger(fields.kid) || fields.kid < 0 || fields.kid > 0xffffffff) throw new TesseraError('input.invalid', 'kid must be a 32-bit unsigned integer', { field: 'kid' });
    this.#suite = suite;
    this.#sealedLength = SEALED_LENGTH[suite.name];
    this.randomLength = SALT + suite.nonceLength;
    const head = new Uint8Array(HEAD);
    head.set(OTP_MAGIC, 0);
    head[4] = OTP_VERSION;
    head[5] = suite.id;
    new DataView(head.buffer).setUint32(6, fields.kid);
    head.set(fields.updatePublicKey, 10);
    this.#head = head;
    this.#lotItem = item('lotId', utf8(fields.lotId));
    const parts = [item('serverId', utf8(fields.serverId)), item('url', utf8(fields.url)), suiteList('handshakeSuites', fields.handshakeSuites), suiteList('aeadSuites', fields.aeadSuites)];
    this.#tail = concatBytes(...parts);
  }

  /** Bytes of the image of `terminalId`. */
  imageLength(terminalId: string): number {
    return FIXED + this.#lotItem.length + 2 + utf8(terminalId).length + this.#tail.length + 2 + this.#suite.nonceLength + 2 + this.#sealedLength + DIGEST;
  }

  /**
   * Writes the image sealing `terminalKey` (K_t, 32 bytes) under the fingerprint hash `fph`
   * into `out` at `offset`, and returns its length ({@link imageLength}). `random` is
   * {@link randomLength} fresh CSPRNG bytes, the salt then the nonce, used for this image only.
   */
  write(p: Primitives, out: Uint8Array, offset: number, terminalId: string, terminalKey: Uint8Array, fph: Uint8Array, random: Uint8Array = p.randomBytes(this.randomLength)): number {
    const id = utf8(terminalId);
    if (id.length > MAX_ITEM) tooLong('terminalId', id.length);
    if (terminalKey.length !== TERMINAL_KEY_LENGTH) throw new TesseraError('input.invalid', 'the terminal key must be 32 bytes');
    if (random.length !== this.randomLength) throw new RangeError(`an image takes ${this.randomLength} random bytes`);
    const length = this.imageLength(terminalId);
    if (offset < 0 || offset + length > out.length) throw new RangeError('the OTP image does not fit the buffer');
    out.set(this.#head, offset);
    const salt = random.subarray(0, SALT);
    out.set(salt, offset + HEAD);
    let off = offset + FIXED;
    out.set(this.#lotItem, off);
    off = writeItem(out, off + this.#lotItem.length, id);
    out.set(this.#tail, off);
    off += this.#tail.length;
    const aad = out.subarray(offset, off); // every public field, the salt included
    const nonce = random.subarray(SALT);
    off = writeItem(out, off, nonce);
    const key = sealingKey(p, fph, salt, id, this.#suite.keyLength);
    const sealed = this.#suite.seal(p, key, nonce, aad, terminalKey);
    key.fill(0);
    if (sealed.length !== this.#sealedLength) throw new Error(`${this.#suite.name} sealed ${sealed.length} bytes, not ${this.#sealedLength}`);
    off = writeItem(out, off, sealed);
    out.set(p.digest('sha256', out.subarray(offset, off)), off);
    return length;
  }
}

/**
 * Builds an image sealing `terminalKey` (K_t, 32 bytes) under the fingerprint hash `fph` with
 * the first AEAD suite of the policy. Throws `input.invalid` for a field an image cannot carry
 * (over 65,535 bytes, a kid over 32 bits, an update key that is not 32 bytes).
 */
export function buildOtpImage(p: Primitives, fields: OtpImageFields, terminalKey: Uint8Array, fph: Uint8Array): Uint8Array {
  const template = new OtpImageTemplate(fields);
  const out = new Uint8Array(template.imageLength(fields.terminalId));
  template.write(p, out, 0, fields.terminalId, terminalKey, fph);
  return out;
}

function corrupt(why: string): never {
  throw new TesseraError('otp.image_corrupt', `the OTP image is damaged or altered: ${why}`);
}

function decodeSuiteList(bytes: Uint8Array): string[] {
  return (splitItems(bytes) ?? corrupt('suite list')).map(fromUtf8);
}

/** Whether `image` is a version-1 image whose version byte alone was damaged: its v1 trailer holds with the byte put back. */
function isDamagedVersion1(p: Primitives, image: Uint8Array): boolean {
  if (image.length < FIXED + DIGEST) return false;
  const body = image.slice(0, image.length - DIGEST);
  body[4] = OTP_VERSION;
  return p.equal(p.digest('sha256', body), image.subarray(image.length - DIGEST));
}

/**
 * Parses an image and checks its magic, version, digest and fields. Throws
 * `otp.version_unsupported` for an image of another format version (checked before the
 * trailer, whose form a later version may change), `otp.image_corrupt` for anything else.
 */
export function parseOtpImage(p: Primitives, image: Uint8Array): OtpImage {
  if (image.length < OTP_MAGIC.length + 1) corrupt('too short');
  if (!p.equal(image.subarray(0, 4), OTP_MAGIC)) corrupt('not an OTP image');
  if (image[4] !== OTP_VERSION) {
    if (isDamagedVersion1(p, image)) corrupt('version byte');
    throw new TesseraError('otp.version_unsupported', `the OTP image has format version ${image[4]}; this software reads version ${OTP_VERSION} only (update the terminal software)`);
  }
  if (image.length < FIXED + DIGEST) corrupt('too short');
  const body = image.subarray(0, image.length - DIGEST);
  if (!p.equal(p.digest('sha256', body), image.subarray(image.length - DIGEST))) corrupt('digest mismatch');
  const suite = getAeadSuite(image[5]!);
  if (!suite) corrupt('unknown seal suite');
  const items = splitItems(body.subarray(FIXED)) ?? corrupt('truncated field');
  if (items.length !== 8) corrupt('wrong number of fields');
  // The AEAD's associated data ends where the nonce item starts.
  const aadEnd = items.slice(0, 6).reduce((off, b) => off + 2 + b.length, FIXED);
  const [lot, tid, sid, url, hs, aead, nonce, sealed] = items as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  if (nonce.length !== suite.nonceLength) corrupt(`nonce of ${nonce.length} bytes for ${suite.name}`);
  if (sealed.length !== SEALED_LENGTH[suite.name]) corrupt(`sealed key of ${sealed.length} bytes for ${suite.name}`);
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
  const key = sealingKey(p, fph, image.salt, utf8(image.terminalId), suite.keyLength);
  try {
    return suite.open(p, key, image.nonce, image.aad, image.sealed);
  } finally {
    key.fill(0);
  }
}
