// The in-process ephemeral store: a Map of values with absolute expiry times. It is the
// embedded default and a real implementation: expired entries are never returned, and a
// periodic sweep (an unref'd timer) drops them. A limit on the number of entries bounds
// memory under a flood of hellos: a write that would add a key past it is refused (nothing
// changes) until entries expire. Single-threaded, so every call is atomic.
import { type CounterState, EphemeralStoreFullError, type EphemeralStore, ttlToMs } from './types.ts';

/** Default of {@link MemoryEphemeralStoreOptions.maxEntries}: about 0.5 GB of challenges. */
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
  #lastFullSweep = Number.NEGATIVE_INFINITY;

  constructor(options: MemoryEphemeralStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isSafeInteger(this.#maxEntries) || this.#maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${this.#maxEntries}`);
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
        this.#entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * Throws {@link EphemeralStoreFullError} unless `added` new keys fit under the limit. When
   * they do not, expired entries are swept first (at most once a second).
   */
  #makeRoom(added: number, now: number): void {
    if (this.#entries.size + added <= this.#maxEntries) return;
    if (now - this.#lastFullSweep >= FULL_SWEEP_INTERVAL_MS || now < this.#lastFullSweep) {
      this.#lastFullSweep = now;
      this.sweep();
      if (this.#entries.size + added <= this.#maxEntries) return;
    }
    throw new EphemeralStoreFullError(`the in-memory ephemeral store holds its limit of ${this.#maxEntries} entries (TESSERA_MEMORY_MAX_ENTRIES)`);
  }

  /** 1 when `key` is not in the map (live or not), else 0: what setting it adds. */
  #adds(key: string): number {
    return this.#entries.has(key) ? 0 : 1;
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    const ttl = ttlToMs(ttlMs);
    const now = this.#now();
    this.#makeRoom(this.#adds(key), now);
    this.#entries.set(key, { value, expiresAt: now + ttl });
  }

  /** Sets `key` unless it holds a live value; synchronous, so callers stay atomic. */
  #setIfAbsent(key: string, value: string, ttl: number, now: number): boolean {
    if (this.#live(key, now) !== undefined) return false;
    this.#makeRoom(1, now);
    this.#entries.set(key, { value, expiresAt: now + ttl });
    return true;
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.#setIfAbsent(key, value, ttlToMs(ttlMs), this.#now());
  }

  async putIfAbsentThenPut(guard: string, guardTtlMs: number, key: string, value: string, ttlMs: number): Promise<boolean> {
    const guardTtl = ttlToMs(guardTtlMs);
    const ttl = ttlToMs(ttlMs);
    const now = this.#now();
    if (this.#live(guard, now) !== undefined) return false;
    // Both keys must fit before either is set: a refusal changes nothing.
    this.#makeRoom(1 + (key === guard ? 0 : this.#adds(key)), now);
    this.#entries.set(guard, { value: '1', expiresAt: now + guardTtl });
    this.#entries.set(key, { value, expiresAt: now + ttl });
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key, this.#now())?.value;
  }

  async take(key: string): Promise<string | undefined> {
    const entry = this.#live(key, this.#now());
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    return entry.value;
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async increment(key: string, ttlMs: number): Promise<CounterState> {
    const ttl = ttlToMs(ttlMs);
    const now = this.#now();
    const entry = this.#live(key, now);
    if (entry === undefined) {
      this.#makeRoom(1, now);
      this.#entries.set(key, { value: '1', expiresAt: now + ttl });
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
  }
}
