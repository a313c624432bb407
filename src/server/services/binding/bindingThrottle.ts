// Fixed-window counters over the ephemeral store's atomic `increment` (shared by every
// server process on Redis). Exceeding a limit is `rate.limited` (429) with Retry-After.
import { TesseraError } from '../../../protocol/errors.ts';
import type { EphemeralStore } from '../../ephemeral/types.ts';

/** Counts hits per key and refuses past a limit. */
export interface Throttle {
  /**
   * Counts one hit on `key` in a window of `windowMs` (opened by the first hit) and throws
   * `rate.limited` once the count passes `limit`. Resolves with the count otherwise.
   */
  hit(key: string, limit: number, windowMs: number, what: string): Promise<number>;
}

/** Creates a throttle over an ephemeral store. */
export function createThrottle(ephemeral: EphemeralStore): Throttle {
  return {
    async hit(key, limit, windowMs, what) {
      const { count, ttlMs } = await ephemeral.increment(`throttle:${key}`, windowMs);
      if (count > limit) {
        throw new TesseraError('rate.limited', `too many ${what}; try again later`, { retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) });
      }
      return count;
    },
  };
}
