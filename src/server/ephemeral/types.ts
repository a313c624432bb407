// The ephemeral-state contract: short-lived shared values (challenges, nonces, sessions,
// counters) that expire on their own. Values are strings; callers JSON-encode. Every
// backend passes the one suite in test/server/ephemeral/ephemeralStoreContract.ts.

/** Result of {@link EphemeralStore.increment}. */
export interface CounterState {
  /** The count after this increment (1 for a new counter). */
  count: number;
  /** Milliseconds until the counter expires. */
  ttlMs: number;
}

/**
 * Expiring key-value state shared by every server instance. An expired entry is never
 * returned. TTLs are positive milliseconds (fractions round up).
 */
export interface EphemeralStore {
  /** Stores `value` under `key`, replacing any value and TTL. */
  put(key: string, value: string, ttlMs: number): Promise<void>;
  /** Stores `value` only if `key` holds nothing live; true if stored. */
  putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * In one atomic step: marks `guard` (for `guardTtlMs`) only if it holds nothing live, and
   * only then stores `value` under `key`. True if both were stored; false (nothing changed)
   * when `guard` was already live. A replay guard and the state it protects in one round trip.
   * Refused with {@link EphemeralStoreFullError} once the store nears full: in memory, when
   * guarded puts fill {@link GUARDED_SHARE} of its entries; on Redis, when everything in it
   * fills that share of its maxmemory.
   */
  putIfAbsentThenPut(guard: string, guardTtlMs: number, key: string, value: string, ttlMs: number): Promise<boolean>;
  get(key: string): Promise<string | undefined>;
  /** Atomic get-and-delete: of N concurrent takes of one value, exactly one gets it. */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /**
   * Adds one to the counter at `key`, creating it at 1 with `ttlMs`. The TTL is set when
   * the counter is created and never extended (a fixed window).
   */
  increment(key: string, ttlMs: number): Promise<CounterState>;
  /** A caveat found when the store was opened (the server logs it at warn on start). */
  readonly warning?: string;
  /** Resolves when the backend answers; throws `TesseraError('server.unavailable')` otherwise. */
  ping(): Promise<void>;
  /** Releases timers and connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Validates a TTL and rounds it up to whole milliseconds.
 * @example ttlToMs(0.5) // 1
 */
export function ttlToMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}

/**
 * Share of a store's room guarded puts may fill (the in-memory store's entries, Redis's
 * maxmemory); the rest is kept for every other write. Guarded puts are the hello's, which
 * anyone may send, so a flood of them cannot take the room that nonces, sessions, counters
 * and locks need.
 */
export const GUARDED_SHARE = 0.8;

/**
 * Thrown by a write the store has no room for: one that would add a key past the in-memory
 * store's limit, or a guarded put that would take the room kept for other writes. The write
 * changed nothing. The server answers it like any store outage: 503 with Retry-After.
 */
export class EphemeralStoreFullError extends Error {
  readonly code = 'EPHEMERAL_STORE_FULL';
  override readonly name = 'EphemeralStoreFullError';
}
