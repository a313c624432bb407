// Binding ids: ULID-shaped (https://github.com/ulid/spec), 48-bit milliseconds then 80
// random bits in Crockford base32, so ids sort like creation time and page by keyset.
// Within one millisecond (or a clock that stepped back) the random part is incremented
// instead of redrawn, so ids made by one process always sort in creation order.
import type { Primitives } from '../../../protocol/primitives.ts';
import { encodeUlid, ULID_MAX_RANDOM, ULID_PATTERN, ulidRandom } from '../../store/ulid.ts';

/** The pattern every binding id matches. */
export const BINDING_ID_PATTERN = ULID_PATTERN;

let lastMs = -1;
let lastRandom = 0n;

/**
 * A new binding id for time `ms`.
 * @example newBindingId(nodePrimitives, Date.now()) // '01HV…' (26 characters)
 */
export function newBindingId(p: Primitives, ms: number): string {
  if (ms <= lastMs && lastRandom < ULID_MAX_RANDOM) {
    lastRandom += 1n;
  } else {
    lastRandom = ulidRandom(p.randomBytes(10));
    lastMs = Math.max(ms, lastMs);
  }
  return encodeUlid(lastMs, lastRandom);
}
