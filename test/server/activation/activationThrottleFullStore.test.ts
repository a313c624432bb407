// The activation throttle against a real in-memory store too small to hold a lock: a full
// store may cost an attacker's guess a 503, but it never lets a run of guesses through.
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

test('an address past its limit whose lock a full store refused is not let through', async () => {
  // Room for the terminal's attempt counter and the address's failure counter, not a lock.
  const store = new MemoryEphemeralStore({ maxEntries: 2 });
  const { throttle } = throttleOver(store);
  try {
    for (let i = 1; i <= 2; i++) {
      const { attemptsLeft } = await throttle.admit('T-1', '192.0.2.7');
      assert.deepEqual(await throttle.failed('T-1', '192.0.2.7', attemptsLeft), {});
    }
    // The third failure reaches the limit; its lock does not fit.
    await assert.rejects(throttle.failed('T-1', '192.0.2.7', (await throttle.admit('T-1', '192.0.2.7')).attemptsLeft), full);
    // At most one more guess gets through (as after a lock that ended), and its lock fails too.
    await assert.rejects(throttle.failed('T-1', '192.0.2.7', (await throttle.admit('T-1', '192.0.2.7')).attemptsLeft), full);
    // Past the limit with no lock: refused before the code is looked at, however often asked.
    for (let i = 0; i < 5; i++) await assert.rejects(throttle.admit('T-1', '192.0.2.7'), full);
    // Once there is room, the lock is written and the address is refused as locked.
    await store.delete('activation:attempts:terminal:T-1');
    await assert.rejects(throttle.admit('T-1', '192.0.2.7'), (err) => isTesseraError(err, 'rate.limited'));
    await assert.rejects(throttle.admit('T-2', '192.0.2.7'), (err) => isTesseraError(err, 'rate.limited'));
  } finally {
    await store.close();
  }
});

test("an address's first attempt is refused before the code is looked at when the store cannot count its failure", async () => {
  // T-1's attempt counter and 192.0.2.7's failure counter fill the store.
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
