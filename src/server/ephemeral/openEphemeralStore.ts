// Opens the ephemeral store named by the configuration: in-process memory by default,
// Redis when TESSERA_REDIS_URL is a redis:// or rediss:// URL. A Redis store is handed out
// only once the server answers, is recent enough (GETDEL needs Redis 6.2) and does not evict
// keys under memory pressure: every key has a TTL, so any policy but noeviction may drop a
// replay guard or a throttle counter early, and a replay or a guess would then be accepted.
import { Redis } from 'ioredis';
import { TesseraError } from '../../protocol/errors.ts';
import { MemoryEphemeralStore } from './memoryEphemeralStore.ts';
import { RedisEphemeralStore } from './redisEphemeralStore.ts';
import { type EphemeralStore, GUARDED_SHARE } from './types.ts';

/** Options of {@link openEphemeralStore}. */
export interface OpenEphemeralStoreOptions {
  /** `redis://` or `rediss://` URL; unset or empty selects the in-memory store. */
  redisUrl?: string;
  /** Redis key prefix (default `'tessera:'`). */
  keyPrefix?: string;
  /** Clock of the in-memory store (default `Date.now`). */
  now?: () => number;
  /** Redis connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
  /** Entry limit of the in-memory store (default `DEFAULT_MAX_ENTRIES`). */
  maxEntries?: number;
}

function why(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

function waitUntilReady(client: Redis): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err?: unknown) => {
      client.off('ready', onReady).off('error', onError).off('end', onEnd);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onReady = () => settle();
    const onError = (err: unknown) => settle(err);
    const onEnd = () => settle(new Error('connection closed'));
    client.once('ready', onReady).once('error', onError).once('end', onEnd);
  });
}

/**
 * Opens the ephemeral store.
 * @example const store = await openEphemeralStore({ redisUrl: process.env.TESSERA_REDIS_URL })
 */
export async function openEphemeralStore(options: OpenEphemeralStoreOptions = {}): Promise<EphemeralStore> {
  const url = options.redisUrl?.trim();
  if (url === undefined || url === '') {
    return new MemoryEphemeralStore({ ...(options.now ? { now: options.now } : {}), ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }) });
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss') {
    throw new TesseraError(
      'config.invalid',
      `TESSERA_REDIS_URL must be a redis:// or rediss:// URL, or unset for the in-memory store (got ${scheme === undefined ? 'no scheme' : `${scheme}://`})`,
    );
  }
  let target: string;
  try {
    const parsed = new URL(url);
    target = `${parsed.hostname}:${parsed.port || '6379'}`; // never the password
  } catch {
    throw new TesseraError('config.invalid', 'TESSERA_REDIS_URL is not a valid URL');
  }

  const client = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 2,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // Commands issued by concurrent requests in one tick go out in one write (fewer syscalls
    // and Redis wake-ups under load); each keeps its own reply and order is unchanged.
    enableAutoPipelining: true,
  });
  let policy: string | undefined;
  try {
    await waitUntilReady(client);
    const version = /redis_version:(\d+)\.(\d+)/.exec(await client.info('server'));
    const [major, minor] = [Number(version?.[1] ?? 0), Number(version?.[2] ?? 0)];
    if (major < 6 || (major === 6 && minor < 2)) {
      throw new Error(`Redis ${major}.${minor} is too old; 6.2 or later is required`);
    }
    policy = await evictionPolicy(client);
  } catch (err) {
    client.disconnect();
    throw new TesseraError('server.unavailable', `cannot use Redis at ${target} (TESSERA_REDIS_URL): ${why(err)}`, {
      cause: err,
    });
  }
  if (policy !== undefined && policy !== 'noeviction') {
    client.disconnect();
    throw new TesseraError(
      'config.invalid',
      `Redis at ${target} (TESSERA_REDIS_URL) evicts keys when full (maxmemory-policy ${policy}); it could drop Tessera's replay guards and throttle counters early. Set maxmemory-policy noeviction on it`,
    );
  }
  // Once connected, ioredis reconnects by itself; an outage shows in /readyz and in each
  // request it fails (503, logged by the error handler), so its error events need no handler
  // of their own, but must have a listener (without one ioredis prints them to stderr).
  client.on('error', () => {});
  const store = new RedisEphemeralStore(client, options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix });
  if (policy === undefined) {
    store.addWarning(`could not read maxmemory-policy of Redis at ${target} (CONFIG GET and INFO memory are refused there or do not say); make sure it is noeviction (managed services often default to volatile-lru), or a full Redis may drop replay guards and throttle counters early`);
  }
  if (!(await store.refreshMemoryUse())) {
    store.addWarning(`could not read INFO memory of Redis at ${target}; hellos are not stopped at ${GUARDED_SHARE * 100}% of its maxmemory, so a flood of them can fill it and stop signed requests too`);
  }
  return store;
}

/**
 * The server's maxmemory-policy from CONFIG GET or, where CONFIG is refused (managed services
 * rename or forbid it), from INFO memory; undefined when neither will say.
 */
async function evictionPolicy(client: Redis): Promise<string | undefined> {
  const refused = (err: unknown) => {
    if ((err as { name?: unknown }).name !== 'ReplyError') throw err;
    return undefined;
  };
  const answer = (await client.config('GET', 'maxmemory-policy').catch(refused)) as unknown;
  if (Array.isArray(answer) && typeof answer[1] === 'string') return answer[1];
  const info = await client.info('memory').catch(refused);
  return info === undefined ? undefined : /^maxmemory_policy:(\S+?)\r?$/m.exec(info)?.[1];
}
