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
  /**
   * HKDF under one input key for many salts: `hkdfWithKey(hash, ikm, info, length)(salt)` is
   * `hkdf(hash, ikm, salt, info, length)`. For a key that derives many others (a lot key at
   * the factory), so an implementation can prepare the key once. `ikm` must not change afterwards.
   * Optional: without it, callers run {@link hkdf} per salt.
   */
  hkdfWithKey?(hash: HashName, ikm: Uint8Array, info: Uint8Array, length: number): (salt: Uint8Array) => Uint8Array;
  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array;
  /** Constant-time equality; false (not an exception) when lengths differ. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
  /** AEAD encryption; returns ciphertext ‖ 16-byte tag. */
  aeadSeal(cipher: AeadCipherName, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** AEAD decryption; undefined when the tag does not verify. */
  aeadOpen(cipher: AeadCipherName, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
  /** SM4-CBC (GB/T 32907) with PKCS#7 padding; decryption returns undefined on bad padding. */
  sm4Cbc(direction: 'encrypt' | 'decrypt', key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array | undefined;
  /** Ed25519 (RFC 8032) verification against a raw 32-byte public key. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** AEAD ciphers the primitives provide natively. */
export type AeadCipherName = 'aes-256-gcm' | 'chacha20-poly1305';
