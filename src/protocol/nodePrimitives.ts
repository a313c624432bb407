// Primitives backed by node:crypto (OpenSSL). The only file under src/protocol that may
// import a node: module; a test enforces it.
import * as nodeCrypto from 'node:crypto';
import { type CipherGCMTypes, createCipheriv, createDecipheriv, createHash, createHmac, createPublicKey, createSecretKey, hkdfSync, randomFillSync, timingSafeEqual, verify } from 'node:crypto';
import type { HashName, Primitives } from './primitives.ts';

const asBytes = (b: Buffer | ArrayBuffer): Uint8Array =>
  b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const TAG = 16;
// ChaCha20-Poly1305 takes the same options as GCM; the cast only picks the typed overload.
/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4) before the 32 raw key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * CSPRNG output is drawn from OpenSSL 4 KiB at a time and handed out in slices, so the many
 * small nonces of a handshake do not each pay for a call into OpenSSL. Each byte is used once.
 */
const POOL_SIZE = 4096;
let pool = new Uint8Array(0);
let poolOffset = 0;
function randomBytes(length: number): Uint8Array {
  if (length > POOL_SIZE / 4) return new Uint8Array(randomFillSync(Buffer.alloc(length)));
  if (poolOffset + length > pool.length) {
    pool = new Uint8Array(randomFillSync(Buffer.alloc(POOL_SIZE)));
    poolOffset = 0;
  }
  const out = pool.slice(poolOffset, poolOffset + length);
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
  return out;
}

/** HKDF (RFC 5869) from OpenSSL through node:crypto. */
function hkdf(hash: HashName, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(hkdfSync(hash, ikm, salt, info, length));
}

/** {@link hkdf} under a KeyObject made once: node:crypto otherwise wraps the key in a new one per call. */
function hkdfWithKey(hash: HashName, ikm: Uint8Array, info: Uint8Array, length: number): (salt: Uint8Array) => Uint8Array {
  const key = createSecretKey(ikm);
  const fixedInfo = info.slice();
  return (salt) => new Uint8Array(hkdfSync(hash, key, salt, fixedInfo, length));
}

/** One-shot `crypto.hash` (Node ≥ 20.12) skips the Hash object; createHash elsewhere. */
const oneShot = (nodeCrypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;
const digest = oneShot ? (hash: HashName, data: Uint8Array) => asBytes(oneShot(hash, data, 'buffer')) : (hash: HashName, data: Uint8Array) => asBytes(createHash(hash).update(data).digest());

/** node:crypto implementation of {@link Primitives}. */
export const nodePrimitives: Primitives = {
  hmac: (hash, key, data) => asBytes(createHmac(hash, key).update(data).digest()),
  digest,
  hkdf,
  hkdfWithKey,
  randomBytes,
  equal: (a, b) => a.length === b.length && timingSafeEqual(a, b),
  aeadSeal(cipher, key, nonce, aad, plaintext) {
    const c = createCipheriv(cipher as CipherGCMTypes, key, nonce, { authTagLength: TAG });
    c.setAAD(aad, { plaintextLength: plaintext.length });
    return asBytes(Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]));
  },
  aeadOpen(cipher, key, nonce, aad, sealed) {
    if (sealed.length < TAG) return undefined;
    const d = createDecipheriv(cipher as CipherGCMTypes, key, nonce, { authTagLength: TAG });
    d.setAAD(aad, { plaintextLength: sealed.length - TAG });
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    try {
      return asBytes(Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]));
    } catch {
      return undefined;
    }
  },
  sm4Cbc(direction, key, iv, data) {
    const c = direction === 'encrypt' ? createCipheriv('sm4-cbc', key, iv) : createDecipheriv('sm4-cbc', key, iv);
    try {
      return asBytes(Buffer.concat([c.update(data), c.final()]));
    } catch {
      return undefined;
    }
  },
  ed25519Verify(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    return verify(null, message, key, signature);
  },
};
