// The in-process ephemeral store: a Map of values with absolute expiry times. It is the
// embedded default and a real implementation: expired entries are never returned, and a
// periodic sweep (an unref'd timer) drops them. A limit on the number of entries bounds
// memory: a write that would add a key past it is refused (nothing changes) until entries
// expire. Guarded puts (the hello's replay guard and challenge, which anyone may send) draw
// from a smaller budget, so a flood of hellos cannot take the room that nonces of signed
// requests, sessions, counters and locks need. Single-threaded, so every call is atomic.
import { type CounterState, type EphemeralStore, EphemeralStoreFullError, GUARDED_SHARE, ttlToMs } from './types.ts';

/** Default of {@link MemoryEphemeralStoreOptions.maxEntries}: about 0.5 GB. */
export const DEFAULT_MAX_ENTRIES = 500_000;

/** At most one sweep a second when full, so a flood at the limit does not sweep per request. */
const FULL_SWEEP_INTERVAL_MS = 1000;

/** Options of {@link MemoryEphemeralStore}. */
export interface MemoryEphemeralStoreOptions {
  /** Clock in epoch milliseconds (default `Date.now`); tests pass a controlled one. */
  now?: () => number;
  /** How often expired entries are dropped (default 30 s). */
  sweepIntervalMs?: number;
  /** Most entries held, expired ones not yet swept included (default {@link DEFAULT_MAX_ENTRIES}). */
  maxEntries?: number;
}

interface Entry {
  value: string;
  expiresAt: number;
  /** Written by a guarded put: counted against the guarded budget too. */
  guarded: boolean;
}

/**
 * An {@link EphemeralStore} held in this process's memory.
 * @example
 * let t = 0;
 * const store = new MemoryEphemeralStore({ now: () => t });
 * await store.put('k', 'v', 1000); t += 1000; await store.get('k') // undefined
 */
export class MemoryEphemeralStore implements EphemeralStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  readonly #maxEntries: number;
  readonly #maxGuarded: number;
  #guarded = 0;
  #lastFullSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryEphemeralStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isSafeInteger(this.#maxEntries) || this.#maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${this.#maxEntries}`);
    this.#maxGuarded = Math.floor(this.#maxEntries * GUARDED_SHARE);
    this.#timer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 30_000);
    this.#timer.unref();
  }

  /** Entries held, including expired ones the sweep has not dropped yet. */
  get size(): number {
    return this.#entries.size;
  }

  /** The limit on entries held. */
  get maxEntries(): number {
    return this.#maxEntries;
  }

  /** Drops every expired entry now; returns how many were dropped. */
  sweep(): number {
    const now = this.#now();
    let dropped = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#remove(key, entry);
        dropped++;
      }
    }
    return dropped;
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    if (entry.guarded) this.#guarded--;
  }

  /** Sets `key`, keeping the guarded count right when it replaces an entry. */
  #set(key: string, value: string, expiresAt: number, guarded: boolean): void {
    const old = this.#entries.get(key);
    if (old?.guarded) this.#guarded--;
    if (guarded) this.#guarded++;
    this.#entries.set(key, { value, expiresAt, guarded });
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#remove(key, entry);
      return undefined;
    }
    return entry;
  }

  /** Whether `added` new keys fit, and for a guarded put `newlyGuarded` more guarded entries. */
  #fits(added: number, guarded: boolean, newlyGuarded: number): boolean {
    return this.#entries.size + added <= this.#maxEntries && (!guarded || this.#guarded + newlyGuarded <= this.#maxGuarded);
  }

  /**
   * Throws {@link EphemeralStoreFullError} unless `added` new keys fit. When they do not,
   * expired entries are swept first (at most once a second). `keys` are the keys the write
   * sets; an expired one is dropped first, so it is counted as new.
   */
  #makeRoom(keys: readonly string[], now: number, guarded: boolean): void {
    // Room even if every key were new (the usual case): no lookups on the hot path.
    if (this.#fits(keys.length, guarded, keys.length)) return;
    let added = 0;
    let newlyGuarded = 0;
    for (const key of keys) {
      const entry = this.#live(key, now);
      if (entry === undefined) added++;
      if (!entry?.guarded) newlyGuarded++;
    }
    if (this.#fits(added, guarded, newlyGuarded)) return;
    if (now - this.#lastFullSweep >= FULL_SWEEP_INTERVAL_MS || now < this.#lastFullSweep) {
      this.#lastFullSweep = now;
      this.sweep(); // drops only expired entries: the counts still hold
      if (this.#fits(added, guarded, newlyGuarded)) return;
    }
    throw new EphemeralStoreFullError(
      guarded
        ? `the in-memory ephemeral store holds its limit of ${this.#maxGuarded} handshake challenges (${GUARDED_SHARE * 100}% of TESSERA_MEMORY_MAX_ENTRIES)`
        : `the in-memory ephemeral store holds its limit of ${this.#maxEntries} entries (TESSERA_MEMORY_MAX_ENTRIES)`,
    );
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    const ttl = ttlToMs(ttlMs);
    const now = this.#now();
    this.#makeRoom([key], now, false);
    this.#set(key, value, now + ttl, false);
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = ttlToMs(ttlMs);
    const now = this.#now();
    if (this.#live(key, now) !== undefined) return false;
    this.#makeRoom([key], now, false);
    this.#set(key, value, now + ttl, false);
    return true;
  }

  async putIfAbsentThenPut(guard: string, guardTtlMs: number, key: string, value: string, ttlMs: number): Promise<boolean> {
    const guardTtl = ttlToMs(guardTtlMs);
    const ttl = ttlToMs(ttlMs);
    const now = this.#now();
    if (this.#live(guard, now) !== undefined) return false;
    // Both keys must fit before either is set: a refusal changes nothing.
    this.#makeRoom(key === guard ? [guard] : [guard, key], now, true);
    this.#set(guard, '1', now + guardTtl, true);
    this.#set(key, value, now + ttl, true);
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key, this.#now())?.value;
  }

  async take(key: string): Promise<string | undefined> {
    const entry = this.#live(key, this.#now());
    if (entry === undefined) return undefined;
    this.#remove(key, entry);
    return entry.value;
  }

  async delete(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#remove(key, entry);
  }

  async increment(key: string, ttlMs: number): Promise<CounterState> {
    const ttl = ttlToMs(ttlMs);
    const now = this.#now();
    const entry = this.#live(key, now);
    if (entry === undefined) {
      this.#makeRoom([key], now, false);
      this.#set(key, '1', now + ttl, false);
      return { count: 1, ttlMs: ttl };
    }
    if (!/^-?\d+$/.test(entry.value)) throw new TypeError('the value at this key is not a counter');
    const count = Number(entry.value) + 1;
    entry.value = String(count);
    return { count, ttlMs: entry.expiresAt - now };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#entries.clear();
    this.#guarded = 0;
  }
}
