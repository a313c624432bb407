// Primitives backed by node:crypto (OpenSSL). The only file under src/protocol that may
// import a node: module; a test enforces it.
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Primitives } from './primitives.ts';

const asBytes = (b: Buffer | ArrayBuffer): Uint8Array =>
  b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** node:crypto implementation of {@link Primitives}. */
export const nodePrimitives: Primitives = {
  hmac: (hash, key, data) => asBytes(createHmac(hash, key).update(data).digest()),
  digest: (hash, data) => asBytes(createHash(hash).update(data).digest()),
  hkdf: (hash, ikm, salt, info, length) => asBytes(hkdfSync(hash, ikm, salt, info, length)),
  randomBytes: (length) => asBytes(randomBytes(length)),
  equal: (a, b) => a.length === b.length && timingSafeEqual(a, b),
};
