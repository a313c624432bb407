// Runs the EphemeralStore contract against the in-memory store (controlled clock) always,
// and against Redis when TESSERA_REDIS_URL is set (a random key prefix per open, deleted
// afterwards). Also covers the memory sweep and openEphemeralStore's configuration errors.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { isBackendOutage } from '../../../src/server/http/backendOutage.ts';
import { EphemeralStoreFullError } from '../../../src/server/ephemeral/types.ts';
import { MemoryEphemeralStore } from '../../../src/server/ephemeral/memoryEphemeralStore.ts';
import { openEphemeralStore } from '../../../src/server/ephemeral/openEphemeralStore.ts';
import { RedisEphemeralStore, roomIn } from '../../../src/server/ephemeral/redisEphemeralStore.ts';
import { type EphemeralStoreHarness, ephemeralStoreContract } from './ephemeralStoreContract.ts';

const REDIS_URL = process.env['TESSERA_REDIS_URL'];
const NO_REDIS = REDIS_URL ? false : 'TESSERA_REDIS_URL is not set';

async function openMemory(): Promise<EphemeralStoreHarness> {
  let now = 1_700_000_000_000;
  const store = await openEphemeralStore({ now: () => now });
  assert.ok(store instanceof MemoryEphemeralStore);
  return {
    store,
    elapse: async (ms) => {
      now += ms;
    },
    cleanup: () => store.close(),
  };
}

/** Deletes every key under `prefix` (which holds no glob characters). */
async function deletePrefix(prefix: string): Promise<void> {
  const admin = new Redis(REDIS_URL as string);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await admin.quit();
  }
}

async function openRedis(): Promise<EphemeralStoreHarness & { keyPrefix: string }> {
  const keyPrefix = `tessera-test:${randomUUID()}:`;
  const store = await openEphemeralStore({ redisUrl: REDIS_URL as string, keyPrefix });
  assert.ok(store instanceof RedisEphemeralStore);
  return {
    store,
    keyPrefix,
    elapse: (ms) => sleep(ms),
    cleanup: async () => {
      await deletePrefix(keyPrefix);
      await store.close();
    },
  };
}

ephemeralStoreContract('memory', openMemory);
ephemeralStoreContract('Redis', openRedis, { skip: NO_REDIS });

describe('MemoryEphemeralStore', () => {
  test('sweep drops expired entries only', async () => {
    let now = 0;
    const store = new MemoryEphemeralStore({ now: () => now });
    try {
      for (let i = 0; i < 100; i++) await store.put(`short${i}`, 'v', 10);
      await store.put('long', 'v', 1000);
      await store.increment('ctr', 10);
      assert.equal(store.size, 102);
      now = 9;
      assert.equal(store.sweep(), 0);
      now = 10;
      assert.equal(store.sweep(), 101);
      assert.equal(store.size, 1);
      assert.equal(await store.get('long'), 'v');
    } finally {
      await store.close();
    }
  });

  test('expiry is exact against the injected clock', async () => {
    let now = 0;
    const store = new MemoryEphemeralStore({ now: () => now });
    try {
      await store.put('k', 'v', 100);
      now = 99;
      assert.equal(await store.get('k'), 'v');
      assert.deepEqual(await store.increment('c', 100), { count: 1, ttlMs: 100 });
      now = 150;
      assert.deepEqual(await store.increment('c', 500), { count: 2, ttlMs: 49 });
      now = 100;
      assert.equal(await store.get('k'), undefined);
    } finally {
      await store.close();
    }
  });
});

describe('MemoryEphemeralStore entry limit', () => {
  const isFull = (err: unknown) => err instanceof EphemeralStoreFullError && isBackendOutage(err) && /TESSERA_MEMORY_MAX_ENTRIES/.test(err.message);

  test('a write that would add a key past the limit is refused and changes nothing', async () => {
    const store = new MemoryEphemeralStore({ now: () => 0, maxEntries: 3 });
    try {
      await store.put('a', '1', 1000);
      await store.increment('c', 1000);
      assert.equal(await store.putIfAbsent('b', '1', 1000), true);
      assert.equal(store.size, 3);
      await assert.rejects(store.put('d', '1', 1000), isFull);
      await assert.rejects(store.putIfAbsent('d', '1', 1000), isFull);
      await assert.rejects(store.putIfAbsentThenPut('g', 1000, 'd', '1', 1000), isFull);
      await assert.rejects(store.increment('d', 1000), isFull);
      assert.equal(store.size, 3);
      assert.equal(await store.get('d'), undefined);
      assert.equal(await store.get('g'), undefined);
      // What adds no key still works: replacing, counting, reading, taking.
      await store.put('a', '2', 1000);
      assert.equal(await store.get('a'), '2');
      assert.deepEqual(await store.increment('c', 1000), { count: 2, ttlMs: 1000 });
      assert.equal(await store.putIfAbsent('b', 'x', 1000), false);
      assert.equal(await store.take('b'), '1');
      // A taken value frees its place.
      await store.put('d', '1', 1000);
      assert.equal(await store.get('d'), '1');
    } finally {
      await store.close();
    }
  });

  test('a guarded put needs room for both keys, or sets neither', async () => {
    const store = new MemoryEphemeralStore({ now: () => 0, maxEntries: 3 });
    try {
      await store.put('a', '1', 1000);
      await store.put('b', '1', 1000);
      await assert.rejects(store.putIfAbsentThenPut('guard', 1000, 'value', 'v', 1000), isFull);
      assert.equal(store.size, 2);
      assert.equal(await store.get('guard'), undefined);
      // The value's key already there: only the guard is new, and it fits.
      assert.equal(await store.putIfAbsentThenPut('guard', 1000, 'b', 'v', 1000), true);
      assert.equal(await store.get('b'), 'v');
      // A guard still live refuses as always, full or not.
      assert.equal(await store.putIfAbsentThenPut('guard', 1000, 'x', 'v', 1000), false);
    } finally {
      await store.close();
    }
  });

  test('at the limit, expired entries are swept to make room, at most once a second', async () => {
    let now = 0;
    const store = new MemoryEphemeralStore({ now: () => now, maxEntries: 4 });
    try {
      await store.put('short1', '1', 10);
      await store.put('short2', '1', 10);
      await store.put('long1', '1', 60_000);
      await store.put('long2', '1', 60_000);
      now = 5;
      await assert.rejects(store.put('x', '1', 60_000), isFull); // nothing expired yet; this sweep found nothing
      now = 500;
      await assert.rejects(store.put('x', '1', 60_000), isFull); // expired, but the last sweep was under a second ago
      now = 1005;
      await store.put('x', '1', 60_000);
      assert.equal(store.size, 3);
      await store.put('y', '1', 60_000);
      await assert.rejects(store.put('z', '1', 60_000), isFull);
    } finally {
      await store.close();
    }
  });

  test('guarded puts (hellos) fill at most 80% of it; the rest stays for every other write', async () => {
    const store = new MemoryEphemeralStore({ now: () => 0, maxEntries: 10 });
    try {
      for (let i = 0; i < 4; i++) assert.equal(await store.putIfAbsentThenPut(`guard${i}`, 1000, `challenge${i}`, 'v', 1000), true);
      await assert.rejects(store.putIfAbsentThenPut('guard4', 1000, 'challenge4', 'v', 1000), (err) => isFull(err) && /8 handshake challenges/.test((err as Error).message));
      assert.equal(store.size, 8);
      await store.put('session', 'v', 1000);
      await store.increment('counter', 1000);
      assert.equal(store.size, 10);
      await assert.rejects(store.putIfAbsent('nonce', '1', 1000), isFull);
      // A taken challenge frees its place, and the next write that needs one gets it.
      assert.equal(await store.take('challenge0'), 'v');
      await assert.rejects(store.putIfAbsentThenPut('guard4', 1000, 'challenge4', 'v', 1000), isFull);
      assert.equal(await store.putIfAbsent('nonce', '1', 1000), true);
      // A plain write over a guarded entry takes it out of the guarded budget.
      await store.delete('nonce');
      await store.delete('session');
      await store.put('guard1', 'v', 1000); // 6 guarded left of 8
      assert.equal(await store.putIfAbsentThenPut('guard5', 1000, 'challenge5', 'v', 1000), true);
      await assert.rejects(store.putIfAbsentThenPut('guard6', 1000, 'challenge6', 'v', 1000), isFull);
    } finally {
      await store.close();
    }
  });

  test('a write counts an expired key it would overwrite as new, so a sweep cannot take it past the limit', async () => {
    let now = 0;
    const store = new MemoryEphemeralStore({ now: () => now, maxEntries: 10 });
    try {
      await store.put('old', 'v', 10);
      for (let i = 0; i < 9; i++) await store.put(`live${i}`, 'v', 60_000);
      now = 20; // 'old' expired but still held: the store is at its limit
      await assert.rejects(store.putIfAbsentThenPut('guard', 1000, 'old', 'v', 1000), isFull);
      assert.equal(store.size, 9);
      await store.put('live0', 'w', 60_000);
      await store.put('new', 'v', 60_000);
      assert.equal(store.size, 10);
    } finally {
      await store.close();
    }
  });

  test('random operations keep the limits and leave no count behind (seeded)', async () => {
    // mulberry32: a small seeded generator, so a failure replays.
    let seed = 0x7e55e7a;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    let now = 0;
    const store = new MemoryEphemeralStore({ now: () => now, maxEntries: 20 });
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const ttl = () => 1 + Math.floor(random() * 50);
    const refusedOnlyWhenFull = (err: unknown) => {
      if (!(err instanceof EphemeralStoreFullError)) throw err;
    };
    try {
      for (let step = 0; step < 20_000; step++) {
        const key = pick(keys);
        const op = pick(['put', 'putIfAbsent', 'guarded', 'guarded', 'get', 'take', 'delete', 'increment', 'tick', 'sweep'] as const);
        if (op === 'put') await store.put(key, 'v', ttl()).catch(refusedOnlyWhenFull);
        else if (op === 'putIfAbsent') await store.putIfAbsent(key, 'v', ttl()).catch(refusedOnlyWhenFull);
        else if (op === 'guarded') await store.putIfAbsentThenPut(pick(keys), ttl(), key, 'v', ttl()).catch(refusedOnlyWhenFull);
        else if (op === 'get') await store.get(key);
        else if (op === 'take') await store.take(key);
        else if (op === 'delete') await store.delete(key);
        else if (op === 'increment') await store.increment(`n${key}`, ttl()).catch((err) => (err instanceof TypeError ? undefined : refusedOnlyWhenFull(err)));
        else if (op === 'tick') now += Math.floor(random() * 20);
        else store.sweep();
        assert.ok(store.size <= 20, `step ${step}: ${store.size} entries`);
      }
      // Everything expires; a count left behind by any path shows in what fits afterwards.
      now += 1_000_000;
      store.sweep();
      assert.equal(store.size, 0);
      let accepted = 0;
      while (await store.putIfAbsentThenPut(`g${accepted}`, 1000, `c${accepted}`, 'v', 1000).catch(() => false)) accepted++;
      assert.equal(accepted, 8, 'hellos fill 16 of 20 entries');
      for (let i = 0; i < 4; i++) await store.put(`plain${i}`, 'v', 1000);
      await assert.rejects(store.put('plain4', 'v', 1000), EphemeralStoreFullError);
    } finally {
      await store.close();
    }
  });

  test('the limit must be a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN]) assert.throws(() => new MemoryEphemeralStore({ maxEntries }), RangeError);
  });
});

test('roomIn reads INFO memory as Redis counts it for maxmemory', () => {
  const info = (used: number, max: number, notCounted?: number) =>
    `# Memory\r\nused_memory:${used}\r\nused_memory_human:1K\r\nmaxmemory:${max}\r\nmaxmemory_human:1K\r\nmaxmemory_policy:noeviction\r\n${notCounted === undefined ? '' : `mem_not_counted_for_evict:${notCounted}\r\n`}`;
  assert.deepEqual(roomIn(info(799, 1000)), { nearlyFull: false });
  assert.deepEqual(roomIn(info(800, 1000)), { nearlyFull: true });
  // replication and AOF buffers are not counted, as Redis does not count them
  assert.deepEqual(roomIn(info(900, 1000, 200)), { nearlyFull: false });
  assert.deepEqual(roomIn(info(100, 1000, 200)), { nearlyFull: false });
  // no maxmemory: no limit to keep room under
  assert.deepEqual(roomIn(info(10_000_000, 0)), { nearlyFull: false });
  assert.equal(roomIn('# Memory\r\nused_memory:10\r\n'), undefined);
  assert.equal(roomIn(''), undefined);
});

describe('RedisEphemeralStore', { skip: NO_REDIS }, () => {
  test('keys live under the prefix with the TTL asked for', async () => {
    const h = await openRedis();
    const admin = new Redis(REDIS_URL as string);
    try {
      await h.store.put('k', 'v', 30_000);
      assert.equal(await admin.get(`${h.keyPrefix}k`), 'v');
      const pttl = await admin.pttl(`${h.keyPrefix}k`);
      assert.ok(pttl > 29_000 && pttl <= 30_000, `pttl ${pttl}`);
      assert.equal(await admin.get('k'), null);
    } finally {
      await admin.quit();
      await h.cleanup();
    }
  });

  test('takes racing from two connections: exactly one wins each value', async () => {
    const a = await openRedis();
    const b = new RedisEphemeralStore(new Redis(REDIS_URL as string), { keyPrefix: a.keyPrefix });
    try {
      for (let round = 0; round < 20; round++) {
        await a.store.put(`c${round}`, `v${round}`, 30_000);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? a.store : b).take(`c${round}`)),
        );
        assert.deepEqual(
          results.filter((r) => r !== undefined),
          [`v${round}`],
        );
      }
    } finally {
      await b.close();
      await a.cleanup();
    }
  });

  test('a store built over a shared client leaves it open when asked to', async () => {
    const client = new Redis(REDIS_URL as string);
    const store = new RedisEphemeralStore(client, { keyPrefix: `tessera-test:${randomUUID()}:`, closeClient: false });
    await store.ping();
    await store.close();
    assert.equal(await client.ping(), 'PONG');
    await client.quit();
  });
});

describe('openEphemeralStore', () => {
  test('no URL gives the memory store', async () => {
    const store = await openEphemeralStore();
    assert.ok(store instanceof MemoryEphemeralStore);
    await store.close();
    const blank = await openEphemeralStore({ redisUrl: '  ' });
    assert.ok(blank instanceof MemoryEphemeralStore);
    await blank.close();
  });

  test('an unknown scheme is a config error naming TESSERA_REDIS_URL', async () => {
    for (const redisUrl of ['memcached://127.0.0.1:11211', 'http://x', '127.0.0.1:6379']) {
      await assert.rejects(openEphemeralStore({ redisUrl }), (err) => {
        assert.ok(isTesseraError(err, 'config.invalid'));
        assert.match(err.message, /TESSERA_REDIS_URL/);
        assert.match(err.message, /redis:\/\//);
        return true;
      });
    }
  });

  test('an unreachable Redis is server.unavailable, quickly, without the password', async () => {
    const started = Date.now();
    await assert.rejects(openEphemeralStore({ redisUrl: 'redis://:s3cret@127.0.0.1:1' }), (err) => {
      assert.ok(isTesseraError(err, 'server.unavailable'));
      assert.match(err.message, /127\.0\.0\.1:1/);
      assert.doesNotMatch(err.message, /s3cret/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
  });
});
