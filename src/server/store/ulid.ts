// ULID-shaped ids (https://github.com/ulid/spec): 48-bit milliseconds then 80 random bits,
// 26 characters of Crockford base32, so ids sort like their time and page by keyset. The
// callers (event ids, binding ids) keep their own rule for a repeated or stepped-back clock.

/** The pattern every ULID-shaped id matches (26 Crockford base32 characters). */
export const ULID_PATTERN = '^[0-9A-HJKMNP-TV-Z]{26}$';

/** The largest 80-bit random part. */
export const ULID_MAX_RANDOM = (1n << 80n) - 1n;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/** A fresh random part from 10 random bytes, halved to leave headroom for increments. */
export function ulidRandom(bytes: Uint8Array): bigint {
  let random = 0n;
  for (const byte of bytes) random = (random << 8n) | BigInt(byte);
  return random >> 1n;
}

/** The id of time `ms` (milliseconds) and an 80-bit random part. */
export function encodeUlid(ms: number, random: bigint): string {
  return base32(BigInt(ms), 10) + base32(random, 16);
}
