// The AEAD suites (docs/protocol.md §13.2): AES-256-GCM, ChaCha20-Poly1305, and the
// national-standard SM4-CBC + HMAC-SM3 (the cipher and MAC of the TLCP suites) composed
// encrypt-then-MAC. A lot's suite policy picks among them; OTP images are sealed with the
// lot's preferred one.
import { concatBytes } from './bytes.ts';
import type { Primitives } from './primitives.ts';
import { transcript } from './transcript.ts';

/** Names of the AEAD suites. */
export type AeadSuiteName = 'aes-256-gcm' | 'chacha20-poly1305' | 'sm4-cbc+hmac-sm3';

/** One AEAD suite: key and nonce sizes, seal and open. */
export interface AeadSuite {
  readonly name: AeadSuiteName;
  /** One-byte identifier used in binary formats (OTP images). */
  readonly id: number;
  readonly keyLength: number;
  readonly nonceLength: number;
  seal(p: Primitives, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Undefined when the ciphertext, nonce or associated data was altered or the key is wrong. */
  open(p: Primitives, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
}

function native(name: 'aes-256-gcm' | 'chacha20-poly1305', id: number): AeadSuite {
  return Object.freeze({
    name,
    id,
    keyLength: 32,
    nonceLength: 12,
    seal: (p: Primitives, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) => p.aeadSeal(name, key, nonce, aad, pt),
    open: (p: Primitives, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array) => p.aeadOpen(name, key, nonce, aad, ct),
  });
}

const SM4_TAG = 32;
/** The MAC input of SM4-CBC+HMAC-SM3: transcript("sm4-cbc-hmac-sm3", [aad, iv, ciphertext]). */
const sm4MacInput = (aad: Uint8Array, iv: Uint8Array, ct: Uint8Array) => transcript('sm4-cbc-hmac-sm3', [aad, iv, ct]);

/**
 * SM4-CBC + HMAC-SM3, encrypt-then-MAC. Key (48 bytes) = K_enc (16) ‖ K_mac (32); nonce = the
 * CBC IV (16, random per message); output = ciphertext ‖ HMAC-SM3(K_mac, transcript).
 */
const sm4CbcHmacSm3: AeadSuite = Object.freeze({
  name: 'sm4-cbc+hmac-sm3' as const,
  id: 3,
  keyLength: 48,
  nonceLength: 16,
  seal(p: Primitives, key: Uint8Array, iv: Uint8Array, aad: Uint8Array, pt: Uint8Array) {
    const ct = p.sm4Cbc('encrypt', key.subarray(0, 16), iv, pt)!;
    return concatBytes(ct, p.hmac('sm3', key.subarray(16, 48), sm4MacInput(aad, iv, ct)));
  },
  open(p: Primitives, key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array) {
    if (sealed.length < SM4_TAG + 16 || (sealed.length - SM4_TAG) % 16 !== 0) return undefined;
    const ct = sealed.subarray(0, sealed.length - SM4_TAG);
    const tag = p.hmac('sm3', key.subarray(16, 48), sm4MacInput(aad, iv, ct));
    if (!p.equal(tag, sealed.subarray(sealed.length - SM4_TAG))) return undefined; // MAC before decrypting
    return p.sm4Cbc('decrypt', key.subarray(0, 16), iv, ct);
  },
});

const SUITES: readonly AeadSuite[] = [native('aes-256-gcm', 1), native('chacha20-poly1305', 2), sm4CbcHmacSm3];

/** Every AEAD suite name, in the default order of preference. */
export const AEAD_SUITE_NAMES: readonly AeadSuiteName[] = SUITES.map((s) => s.name);

/** The suite of a name or binary id, or undefined. */
export function getAeadSuite(nameOrId: string | number): AeadSuite | undefined {
  return SUITES.find((s) => s.name === nameOrId || s.id === nameOrId);
}
