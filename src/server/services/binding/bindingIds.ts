// Binding ids: ULID-shaped (https://github.com/ulid/spec), 48-bit milliseconds then 80
// random bits in Crockford base32, so ids sort like creation time and page by keyset.
// Within one millisecond (or a clock that stepped back) the random part is incremented
// instead of redrawn, so ids made by one process always sort in creation order.
import type { Primitives } from '../../../protocol/primitives.ts';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/** The pattern every binding id matches. */
export const BINDING_ID_PATTERN = '^[0-9A-HJKMNP-TV-Z]{26}$';

let lastMs = -1;
let lastRandom = 0n;
const MAX_RANDOM = (1n << 80n) - 1n;

/**
 * A new binding id for time `ms`.
 * @example newBindingId(nodePrimitives, Date.now()) // '01HV…' (26 characters)
 */
export function newBindingId(p: Primitives, ms: number): string {
  if (ms <= lastMs && lastRandom < MAX_RANDOM) {
    lastRandom += 1n;
  } else {
    let random = 0n;
    for (const byte of p.randomBytes(10)) random = (random << 8n) | BigInt(byte);
    lastMs = Math.max(ms, lastMs);
    lastRandom = random >> 1n; // headroom for increments
  }
  return base32(BigInt(lastMs), 10) + base32(lastRandom, 16);
}
