// The cryptographic primitives the protocol needs, as an interface. The protocol code calls
// only this, so a terminal build for another runtime supplies its own implementation;
// `nodePrimitives` (node:crypto / OpenSSL) is the one both sides use on Node.

/** Hash functions the protocol uses. `sm3` is GB/T 32905. */
export type HashName = 'sha1' | 'sha256' | 'sha512' | 'sm3';

/** Output length in bytes of each hash. */
export const HASH_LENGTH: Record<HashName, number> = { sha1: 20, sha256: 32, sha512: 64, sm3: 32 };

export interface Primitives {
  /** HMAC (RFC 2104) of `data` under `key`. */
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** Plain digest. */
  digest(hash: HashName, data: Uint8Array): Uint8Array;
  /** HKDF (RFC 5869) extract-and-expand. */
  hkdf(hash: HashName, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array;
  /** Constant-time equality; false (not an exception) when lengths differ. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}
