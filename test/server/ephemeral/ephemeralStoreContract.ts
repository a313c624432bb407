// The conformance suite every EphemeralStore backend passes (memory, Redis, …). A backend's
// test file calls ephemeralStoreContract with a function that opens a fresh, isolated store
// and says how time passes for it: a controlled clock, or a short real wait.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EphemeralStore } from '../../../src/server/ephemeral/types.ts';

/** What a backend hands the suite. */
export interface EphemeralStoreHarness {
  store: EphemeralStore;
  /** Lets `ms` milliseconds pass for the store (advance a clock, or wait for real). */
  elapse: (ms: number) => Promise<void>;
  /** Closes the store and removes every key it created. */
  cleanup: () => Promise<void>;
}

/** Options of {@link ephemeralStoreContract}. */
export interface EphemeralStoreContractOptions {
  /** Skip the whole suite, with the reason reported. */
  skip?: string | false;
}

/** A TTL short enough to wait out for real (Redis), and a wait safely past it. */
const SHORT_TTL = 40;
const PAST_SHORT_TTL = 70;
const LONG_TTL = 60_000;

/**
 * Registers the ephemeral-store conformance suite for one backend.
 * @example ephemeralStoreContract('memory', async () => ({ store, elapse, cleanup }))
 */
export function ephemeralStoreContract(
  name: string,
  open: () => Promise<EphemeralStoreHarness>,
  options: EphemeralStoreContractOptions = {},
): void {
  async function withStore(fn: (h: EphemeralStoreHarness) => Promise<void>): Promise<void> {
    const h = await open();
    try {
      await fn(h);
    } finally {
      await h.cleanup();
    }
  }

  describe(`EphemeralStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    test('ping answers', () => withStore(({ store }) => store.ping()));

    test('put then get; put replaces; a missing key is undefined', () =>
      withStore(async ({ store }) => {
        assert.equal(await store.get('k'), undefined);
        await store.put('k', '{"a":1}', LONG_TTL);
        assert.equal(await store.get('k'), '{"a":1}');
        await store.put('k', 'second', LONG_TTL);
        assert.equal(await store.get('k'), 'second');
        await store.put('empty', '', LONG_TTL);
        assert.equal(await store.get('empty'), '');
        const big = 'x'.repeat(100_000);
        await store.put('big', big, LONG_TTL);
        assert.equal(await store.get('big'), big);
      }));

    test('an expired value is never returned', () =>
      withStore(async ({ store, elapse }) => {
        await store.put('short', 'v', SHORT_TTL);
        await store.put('long', 'w', LONG_TTL);
        assert.equal(await store.get('short'), 'v');
        await elapse(PAST_SHORT_TTL);
        assert.equal(await store.get('short'), undefined);
        assert.equal(await store.take('short'), undefined);
        assert.equal(await store.get('long'), 'w');
      }));

    test('put resets the TTL of an existing key', () =>
      withStore(async ({ store, elapse }) => {
        await store.put('k', 'v', SHORT_TTL);
        await store.put('k', 'v2', LONG_TTL);
        await elapse(PAST_SHORT_TTL);
        assert.equal(await store.get('k'), 'v2');
      }));

    test('putIfAbsent stores once, refuses while live, stores again after expiry', () =>
      withStore(async ({ store, elapse }) => {
        assert.equal(await store.putIfAbsent('nonce', 'first', SHORT_TTL), true);
        assert.equal(await store.putIfAbsent('nonce', 'second', LONG_TTL), false);
        assert.equal(await store.get('nonce'), 'first');
        await elapse(PAST_SHORT_TTL);
        assert.equal(await store.putIfAbsent('nonce', 'third', LONG_TTL), true);
        assert.equal(await store.get('nonce'), 'third');
      }));

    test('50 concurrent putIfAbsent: exactly one stores', () =>
      withStore(async ({ store }) => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.putIfAbsent('seen', `v${i}`, LONG_TTL)),
        );
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal(await store.get('seen'), `v${results.indexOf(true)}`);
      }));

    test('putIfAbsentThenPut stores guard and value together, or nothing while the guard is live', () =>
      withStore(async ({ store, elapse }) => {
        assert.equal(await store.putIfAbsentThenPut('guard', SHORT_TTL, 'value:a', 'A', LONG_TTL), true);
        assert.equal(await store.get('value:a'), 'A');
        assert.equal(await store.putIfAbsentThenPut('guard', LONG_TTL, 'value:b', 'B', LONG_TTL), false);
        assert.equal(await store.get('value:b'), undefined, 'nothing stored for a live guard');
        assert.equal(await store.get('value:a'), 'A');
        await elapse(PAST_SHORT_TTL);
        assert.equal(await store.putIfAbsentThenPut('guard', LONG_TTL, 'value:c', 'C', SHORT_TTL), true, 'the guard expired with its own TTL');
        assert.equal(await store.get('value:c'), 'C');
        await elapse(PAST_SHORT_TTL);
        assert.equal(await store.get('value:c'), undefined, 'the value keeps its own TTL');
        assert.equal(await store.putIfAbsentThenPut('guard', LONG_TTL, 'value:d', 'D', LONG_TTL), false, 'the guard keeps its own TTL');
      }));

    test('50 concurrent putIfAbsentThenPut on one guard: exactly one value stored', () =>
      withStore(async ({ store }) => {
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.putIfAbsentThenPut('g', LONG_TTL, `v:${i}`, `${i}`, LONG_TTL)));
        assert.equal(results.filter(Boolean).length, 1);
        const stored = await Promise.all(Array.from({ length: 50 }, (_, i) => store.get(`v:${i}`)));
        assert.deepEqual(stored.filter((v) => v !== undefined), [`${results.indexOf(true)}`]);
      }));

    test('take is single-use', () =>
      withStore(async ({ store }) => {
        await store.put('challenge', 'c1', LONG_TTL);
        assert.equal(await store.take('challenge'), 'c1');
        assert.equal(await store.take('challenge'), undefined);
        assert.equal(await store.get('challenge'), undefined);
        assert.equal(await store.take('never'), undefined);
      }));

    test('50 concurrent takes: exactly one gets the value', () =>
      withStore(async ({ store }) => {
        await store.put('challenge', 'c1', LONG_TTL);
        const results = await Promise.all(Array.from({ length: 50 }, () => store.take('challenge')));
        assert.deepEqual(
          results.filter((r) => r !== undefined),
          ['c1'],
        );
      }));

    test('delete removes a key; deleting a missing key is fine', () =>
      withStore(async ({ store }) => {
        await store.put('k', 'v', LONG_TTL);
        await store.delete('k');
        assert.equal(await store.get('k'), undefined);
        await store.delete('k');
        await store.delete('never');
        assert.equal(await store.putIfAbsent('k', 'again', LONG_TTL), true);
      }));

    test('increment counts and keeps the TTL it was created with', () =>
      withStore(async ({ store, elapse }) => {
        const first = await store.increment('ctr', 30_000);
        assert.equal(first.count, 1);
        assert.ok(first.ttlMs > 29_000 && first.ttlMs <= 30_000, `ttl ${first.ttlMs}`);
        await elapse(10);
        const second = await store.increment('ctr', 1_000_000);
        assert.equal(second.count, 2);
        assert.ok(second.ttlMs <= first.ttlMs && second.ttlMs > 0, `ttl not extended: ${second.ttlMs}`);
        assert.equal((await store.increment('ctr', 5)).count, 3);
        assert.equal(await store.get('ctr'), '3');
        assert.equal((await store.increment('other', 30_000)).count, 1);
      }));

    test('a counter restarts after it expires', () =>
      withStore(async ({ store, elapse }) => {
        await store.increment('ctr', SHORT_TTL);
        await store.increment('ctr', SHORT_TTL);
        await elapse(PAST_SHORT_TTL);
        const fresh = await store.increment('ctr', LONG_TTL);
        assert.equal(fresh.count, 1);
        assert.ok(fresh.ttlMs > LONG_TTL - 1000, `ttl ${fresh.ttlMs}`);
      }));

    test('50 concurrent increments count 1..50', () =>
      withStore(async ({ store }) => {
        const results = await Promise.all(Array.from({ length: 50 }, () => store.increment('ctr', LONG_TTL)));
        assert.deepEqual(
          results.map((r) => r.count).sort((a, b) => a - b),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
      }));

    test('keys with odd characters are distinct and exact', () =>
      withStore(async ({ store }) => {
        const keys = ['a b', 'ключ', 'x:y:*', '*', '?', '[a-z]', '{tag}', 'line\nbreak', '🔑', '', '\\', 'A', 'a', 'tessera:x'];
        for (const [i, key] of keys.entries()) await store.put(key, `v${i}`, LONG_TTL);
        for (const [i, key] of keys.entries()) assert.equal(await store.get(key), `v${i}`, JSON.stringify(key));
        await store.delete('*');
        assert.equal(await store.get('x:y:*'), 'v2', 'no glob semantics');
        assert.equal(await store.take('[a-z]'), 'v5');
        assert.equal(await store.get('a'), 'v12');
      }));

    test('a TTL must be positive', () =>
      withStore(async ({ store }) => {
        for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
          await assert.rejects(store.put('k', 'v', ttl), RangeError);
          await assert.rejects(store.putIfAbsent('k', 'v', ttl), RangeError);
          await assert.rejects(store.increment('k', ttl), RangeError);
        }
        assert.equal(await store.get('k'), undefined);
      }));
  });
}
