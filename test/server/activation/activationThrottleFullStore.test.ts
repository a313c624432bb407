// The activation throttle against a real in-memory store too small for its counters or a
// lock: a full store may cost an attacker's guess a 503, but it never lets a guess through
// uncounted nor a run of guesses past the address's limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { MemoryEphemeralStore } from '../../../src/server/ephemeral/memoryEphemeralStore.ts';
import { EphemeralStoreFullError } from '../../../src/server/ephemeral/types.ts';
import type { ServerContext } from '../../../src/server/serverContext.ts';
import { createActivationThrottle } from '../../../src/server/services/activation/activationThrottle.ts';

function throttleOver(store: MemoryEphemeralStore) {
  const events: string[] = [];
  const ctx = {
    config: { settings: { activationWindowSeconds: 900, activationLockoutSeconds: 3600, activationMaxFailures: 100, activationSourceMaxFailures: 3 } },
    ephemeral: store,
    now: () => 1_800_000_000_000,
    events: { record: async (type: string) => void events.push(type) },
  } as unknown as ServerContext;
  return { throttle: createActivationThrottle(ctx), events };
}

const full = (err: unknown) => err instanceof EphemeralStoreFullError;
const windowRefusal = (err: unknown) => isTesseraError(err, 'rate.limited') && /in this window/.test(err.message) && err.retryAfterSeconds === 900;

test('an address past its limit whose lock a full store refused is still refused before the code is looked at', async () => {
  // Room for the terminal's and the address's attempt counters and the address's failure
  // counter, not for a lock.
  const store = new MemoryEphemeralStore({ maxEntries: 3 });
  const { throttle, events } = throttleOver(store);
  try {
    for (let i = 1; i <= 2; i++) {
      const { attemptsLeft } = await throttle.admit('T-1', '192.0.2.7');
      assert.deepEqual(await throttle.failed('T-1', '192.0.2.7', attemptsLeft), {});
    }
    // The third failure reaches the limit; its lock does not fit.
    await assert.rejects(throttle.failed('T-1', '192.0.2.7', (await throttle.admit('T-1', '192.0.2.7')).attemptsLeft), full);
    // No lock, and no guess more: the address's attempts are past its limit for the window.
    for (let i = 0; i < 5; i++) await assert.rejects(throttle.admit('T-1', '192.0.2.7'), windowRefusal);
    // Another terminal is refused for the address before it needs a counter of its own.
    await assert.rejects(throttle.admit('T-2', '192.0.2.7'), windowRefusal);
    assert.equal(events.filter((e) => e === 'activation.locked').length, 0);
  } finally {
    await store.close();
  }
});

test("an attempt is refused before the code is looked at when the store cannot count it for its address", async () => {
  // T-1's attempt counter and 192.0.2.7's fill the store.
  const store = new MemoryEphemeralStore({ maxEntries: 2 });
  const { throttle } = throttleOver(store);
  try {
    await throttle.admit('T-1', '192.0.2.7');
    // From a new address the terminal's counter has room (it exists); the address's has none.
    await assert.rejects(throttle.admit('T-1', '198.51.100.9'), full);
  } finally {
    await store.close();
  }
});

test('a success the store cannot count throws (the service answers the activation anyway) and stays an attempt', async () => {
  const store = new MemoryEphemeralStore({ maxEntries: 2 });
  const { throttle } = throttleOver(store);
  try {
    const admission = await throttle.admit('T-1', '192.0.2.7');
    await assert.rejects(throttle.succeeded('192.0.2.7', admission), full);
    assert.equal(await store.get('activation:attempts:source:192.0.2.7'), '1');
  } finally {
    await store.close();
  }
});
