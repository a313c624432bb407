// The in-process ephemeral store: a Map of values with absolute expiry times. It is the
// embedded default and a real implementation: expired entries are never returned, and a
// periodic sweep (an unref'd timer) bounds memory. Single-threaded, so every call is atomic.
import { type CounterState, type EphemeralStore, ttlToMs } from './types.ts';

/** Options of {@link MemoryEphemeralStore}. */
export interface MemoryEphemeralStoreOptions {
  /** Clock in epoch milliseconds (default `Date.now`); tests pass a controlled one. */
  now?: () => number;
  /** How often expired entries are dropped (default 30 s). */
  sweepIntervalMs?: number;
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

  constructor(options: MemoryEphemeralStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 30_000);
    this.#timer.unref();
  }

  /** Entries held, including expired ones the sweep has not dropped yet. */
  get size(): number {
    return this.#entries.size;
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

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlToMs(ttlMs) });
  }

  /** Sets `key` unless it holds a live value; synchronous, so callers stay atomic. */
  #setIfAbsent(key: string, value: string, ttl: number, now: number): boolean {
    if (this.#live(key, now) !== undefined) return false;
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
    if (!this.#setIfAbsent(guard, '1', guardTtl, now)) return false;
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
