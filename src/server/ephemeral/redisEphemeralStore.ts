// The ephemeral store over an injected ioredis client, shared by every server instance.
// Each operation is one atomic Redis command: SET PX, SET NX PX, GETDEL (Redis >= 6.2),
// DEL, and a small Lua script for a fixed-window counter. Keys carry a prefix.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TesseraError } from '../../protocol/errors.ts';
import { type CounterState, type EphemeralStore, EphemeralStoreFullError, GUARDED_SHARE, ttlToMs } from './types.ts';

/** Options of {@link RedisEphemeralStore}. */
export interface RedisEphemeralStoreOptions {
  /** Prepended to every key (default `'tessera:'`). */
  keyPrefix?: string;
  /** Whether `close()` also closes the client (default true: the store owns it). */
  closeClient?: boolean;
}

// INCR, then give the counter its TTL only if it has none (it was just created): the
// window is fixed at creation and never extended. Returns {count, remaining ms}.
const INCREMENT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;
const INCREMENT_SHA = createHash('sha1').update(INCREMENT_SCRIPT).digest('hex');

// SET guard NX, and only if that stored it, SET key: both or neither, one round trip.
const GUARDED_PUT_SCRIPT = `
if redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX') then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
  return 1
end
return 0
`;
const GUARDED_PUT_SHA = createHash('sha1').update(GUARDED_PUT_SCRIPT).digest('hex');

/** How often guarded puts have Redis's memory use read again. */
const MEMORY_READ_INTERVAL_MS = 250;

/** Failed reads of INFO memory in a row after which a "full" answer is dropped. */
const FAILED_READS_TO_FORGET = 3;

/**
 * Whether an INFO memory answer shows Redis at GUARDED_SHARE of its maxmemory, counted as
 * Redis counts it (evict.c: used_memory less mem_not_counted_for_evict); undefined when the
 * fields are missing.
 */
export function roomIn(info: string): { nearlyFull: boolean } | undefined {
  const field = (name: string) => new RegExp(`^${name}:(\\d+)\\r?$`, 'm').exec(info)?.[1];
  const used = field('used_memory');
  const max = field('maxmemory');
  if (used === undefined || max === undefined) return undefined;
  const counted = Math.max(0, Number(used) - Number(field('mem_not_counted_for_evict') ?? 0));
  return { nearlyFull: Number(max) > 0 && counted >= GUARDED_SHARE * Number(max) };
}

/**
 * An {@link EphemeralStore} in Redis.
 * @example const store = new RedisEphemeralStore(new Redis(url), { keyPrefix: 'tessera:' })
 */
export class RedisEphemeralStore implements EphemeralStore {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #closeClient: boolean;
  readonly #warnings: string[] = [];
  /** Whether Redis used GUARDED_SHARE of its maxmemory at the last look. */
  #nearlyFull = false;
  #memoryReadAt = Number.NEGATIVE_INFINITY;
  #memoryRead: Promise<boolean> | undefined;
  #failedReads = 0;

  constructor(client: Redis, options: RedisEphemeralStoreOptions = {}) {
    this.#client = client;
    this.#prefix = options.keyPrefix ?? 'tessera:';
    this.#closeClient = options.closeClient ?? true;
  }

  /** The caveats found when the store was opened, if any. */
  get warning(): string | undefined {
    return this.#warnings.length === 0 ? undefined : this.#warnings.join('; ');
  }

  /** Adds a caveat for the operator's log (openEphemeralStore's checks). */
  addWarning(text: string): void {
    this.#warnings.push(text);
  }

  #key(key: string): string {
    return this.#prefix + key;
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    await this.#client.set(this.#key(key), value, 'PX', ttlToMs(ttlMs));
  }

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const reply = await this.#client.set(this.#key(key), value, 'PX', ttlToMs(ttlMs), 'NX');
    return reply === 'OK';
  }

  async putIfAbsentThenPut(guard: string, guardTtlMs: number, key: string, value: string, ttlMs: number): Promise<boolean> {
    this.#lookAtMemory();
    if (this.#nearlyFull) {
      // A "full" reading may be old (after a quiet spell): refuse on the read it started, if any.
      if (this.#memoryRead !== undefined) await this.#memoryRead;
      if (this.#nearlyFull) throw new EphemeralStoreFullError(`Redis uses ${GUARDED_SHARE * 100}% of its maxmemory or more; the rest is kept for what only a terminal with a key can add`);
    }
    const reply = await this.#script(GUARDED_PUT_SCRIPT, GUARDED_PUT_SHA, [this.#key(guard), this.#key(key)], [ttlToMs(guardTtlMs), ttlToMs(ttlMs), value]);
    return reply === 1;
  }

  /**
   * Reads Redis's memory use (INFO memory) in the background, at most every
   * MEMORY_READ_INTERVAL_MS: guarded puts are refused while it is at GUARDED_SHARE of
   * maxmemory or more, counted as Redis counts it for its own limit (used_memory less the
   * replication and AOF buffers, mem_not_counted_for_evict). With no maxmemory there is no
   * limit to keep room under. A failed read keeps the last answer, the write itself failing
   * if Redis is down; after FAILED_READS_TO_FORGET in a row a "full" answer is dropped.
   */
  #lookAtMemory(): void {
    const now = Date.now();
    if (this.#memoryRead !== undefined || (now >= this.#memoryReadAt && now - this.#memoryReadAt < MEMORY_READ_INTERVAL_MS)) return;
    this.#memoryReadAt = now;
    this.#memoryRead = this.refreshMemoryUse().finally(() => {
      this.#memoryRead = undefined;
    });
  }

  /**
   * Reads Redis's memory use now (the store does so by itself; exposed for start and tests).
   * False when INFO memory is refused or lacks the fields: hellos are then not stopped short.
   */
  async refreshMemoryUse(): Promise<boolean> {
    let room: { nearlyFull: boolean } | undefined;
    try {
      room = roomIn(await this.#client.info('memory'));
    } catch {
      room = undefined;
    }
    if (room === undefined) {
      if (++this.#failedReads >= FAILED_READS_TO_FORGET) this.#nearlyFull = false;
      return false;
    }
    this.#failedReads = 0;
    this.#nearlyFull = room.nearlyFull;
    return true;
  }

  /** Runs a Lua script by its SHA-1, loading it on a NOSCRIPT answer (a restarted or new Redis). */
  async #script(script: string, sha: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.#client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.#client.eval(script, keys.length, ...keys, ...args);
    }
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#client.get(this.#key(key))) ?? undefined;
  }

  async take(key: string): Promise<string | undefined> {
    return (await this.#client.getdel(this.#key(key))) ?? undefined;
  }

  async delete(key: string): Promise<void> {
    await this.#client.del(this.#key(key));
  }

  async increment(key: string, ttlMs: number): Promise<CounterState> {
    const reply = await this.#script(INCREMENT_SCRIPT, INCREMENT_SHA, [this.#key(key)], [ttlToMs(ttlMs)]);
    const [count, remaining] = reply as [number, number];
    return { count, ttlMs: remaining };
  }

  async ping(): Promise<void> {
    try {
      await this.#client.ping();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new TesseraError('server.unavailable', `Redis does not answer: ${why}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    if (!this.#closeClient || this.#client.status === 'end') return;
    if (this.#client.status !== 'ready') {
      this.#client.disconnect();
      return;
    }
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }
}
