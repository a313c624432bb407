// The per-address activation limit against real ephemeral stores (in memory with a controlled
// clock; Redis when TESSERA_REDIS_URL is set): a burst of concurrent guesses from one address
// gets no more lookups than its limit, successes take none of its room, and a success never
// carries room into a later window. Each attempt does what the activation service does:
// admit, look the code up (counted here), then report the outcome.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { openEphemeralStore } from '../../../src/server/ephemeral/openEphemeralStore.ts';
import type { EphemeralStore } from '../../../src/server/ephemeral/types.ts';
import type { ServerContext } from '../../../src/server/serverContext.ts';
import { type ActivationThrottle, createActivationThrottle } from '../../../src/server/services/activation/activationThrottle.ts';

const REDIS_URL = process.env['TESSERA_REDIS_URL'];
const ADDRESS = '192.0.2.7';
const WINDOW_MS = 900_000;

interface Harness {
  throttle: ActivationThrottle;
  events: Array<{ type: string; detail: Record<string, unknown> }>;
  advance(ms: number): void;
  /** Code lookups so far (attempts the throttle let through). */
  lookups: number;
  close(): Promise<void>;
}

async function harness(kind: 'memory' | 'Redis', settings: { activationMaxFailures: number; activationSourceMaxFailures: number }): Promise<Harness> {
  let offset = 0;
  const clock = () => (kind === 'memory' ? 1_800_000_000_000 : Date.now()) + offset;
  const keyPrefix = `tessera-test:${randomUUID()}:`;
  const store: EphemeralStore = kind === 'memory' ? await openEphemeralStore({ now: clock }) : await openEphemeralStore({ redisUrl: REDIS_URL as string, keyPrefix });
  const events: Harness['events'] = [];
  const ctx = {
    config: { settings: { activationWindowSeconds: WINDOW_MS / 1000, activationLockoutSeconds: 3600, ...settings } },
    ephemeral: store,
    now: clock,
    events: { record: async (type: string, _t: string, _s: string, detail: Record<string, unknown>) => void events.push({ type, detail }) },
  } as unknown as ServerContext;
  const h: Harness = {
    throttle: createActivationThrottle(ctx),
    events,
    advance: (ms) => void (offset += ms),
    lookups: 0,
    async close() {
      if (kind === 'Redis') {
        const admin = new Redis(REDIS_URL as string);
        const keys = await admin.keys(`${keyPrefix}*`);
        if (keys.length > 0) await admin.del(...keys);
        await admin.quit();
      }
      await store.close();
    },
  };
  return h;
}

/** One activation attempt as the service makes it; resolves with its outcome. */
async function attempt(h: Harness, terminalId: string, right: boolean, source = ADDRESS): Promise<'active' | 'invalid' | 'invalid+locked' | 'rate.limited'> {
  let admission: Awaited<ReturnType<ActivationThrottle['admit']>>;
  try {
    admission = await h.throttle.admit(terminalId, source);
  } catch (err) {
    if (isTesseraError(err, 'rate.limited')) return 'rate.limited';
    throw err;
  }
  h.lookups++;
  await new Promise((resolve) => setImmediate(resolve)); // the lookup takes a while
  if (right) {
    await h.throttle.succeeded(source, admission);
    return 'active';
  }
  const { lockedUntil } = await h.throttle.failed(terminalId, source, admission.attemptsLeft);
  return lockedUntil === undefined ? 'invalid' : 'invalid+locked';
}

const count = <T>(xs: T[], x: T) => xs.filter((y) => y === x).length;

for (const kind of ['memory', 'Redis'] as const) {
  describe(`activation limit per address (${kind})`, { skip: kind === 'Redis' && !REDIS_URL && 'TESSERA_REDIS_URL is not set' }, () => {
    test('10 terminals × 5 concurrent wrong codes from one address: 20 lookups (the limit), the rest 429, the address locked', async () => {
      const h = await harness(kind, { activationMaxFailures: 5, activationSourceMaxFailures: 20 });
      try {
        const burst = Array.from({ length: 10 }, (_, t) => Array.from({ length: 5 }, () => attempt(h, `T-${t}`, false))).flat();
        const outcomes = await Promise.all(burst);
        assert.equal(h.lookups, 20, 'lookups past the address limit');
        assert.equal(count(outcomes, 'rate.limited'), 30);
        // The 20th failure locks the address (and a terminal whose 5 guesses all got through locks it).
        assert.equal(h.events.filter((e) => e.type === 'activation.locked' && e.detail['scope'] === 'source').length, 1);
        // Locked: a fresh terminal there is refused before its code is looked at, the right one included.
        assert.equal(await attempt(h, 'T-fresh', true), 'rate.limited');
        assert.equal(h.lookups, 20);
      } finally {
        await h.close();
      }
    });
  });
}

describe('activation limit per address: successes', () => {
  test('successes take none of the room: after 2 failures and 10 activations, the 3rd failure locks', async () => {
    const h = await harness('memory', { activationMaxFailures: 5, activationSourceMaxFailures: 3 });
    try {
      assert.equal(await attempt(h, 'T-a', false), 'invalid');
      assert.equal(await attempt(h, 'T-b', false), 'invalid');
      for (let i = 0; i < 10; i++) assert.equal(await attempt(h, `T-ok-${i}`, true), 'active');
      assert.equal(await attempt(h, 'T-c', false), 'invalid+locked');
      assert.equal(await attempt(h, 'T-d', true), 'rate.limited');
      assert.equal(h.events.filter((e) => e.type === 'activation.locked').length, 1);
    } finally {
      await h.close();
    }
  });

  test('a terminal refused for its address while the address is full is not charged: retries do not lock it', async () => {
    const h = await harness('memory', { activationMaxFailures: 5, activationSourceMaxFailures: 3 });
    try {
      // three activations in flight fill the address's room
      const inFlight = await Promise.all(['T-x', 'T-y', 'T-z'].map((t) => h.throttle.admit(t, ADDRESS)));
      for (let i = 0; i < 6; i++) {
        await assert.rejects(h.throttle.admit('T-d', ADDRESS), (e) => isTesseraError(e, 'rate.limited') && /in this window/.test(e.message), `retry ${i + 1}`);
      }
      for (const admission of inFlight) await h.throttle.succeeded(ADDRESS, admission);
      assert.deepEqual(h.events.filter((e) => e.type === 'activation.locked'), [], 'no terminal locked by refusals made for its address');
      h.advance(WINDOW_MS);
      assert.equal(await attempt(h, 'T-d', true), 'active', 'in the next window T-d activates (it had all its attempts)');
    } finally {
      await h.close();
    }
  });

  test('more concurrent activations than the limit: the excess is refused until the window ends, nothing is locked', async () => {
    const h = await harness('memory', { activationMaxFailures: 5, activationSourceMaxFailures: 3 });
    try {
      const outcomes = await Promise.all(Array.from({ length: 5 }, (_, i) => attempt(h, `T-${i}`, true)));
      assert.deepEqual([count(outcomes, 'active'), count(outcomes, 'rate.limited')], [3, 2]);
      const throttled = h.events.filter((e) => e.type === 'activation.throttled');
      assert.deepEqual(throttled.map((e) => e.detail), [{ scope: 'source', why: 'window', retryAfterSeconds: 900 }, { scope: 'source', why: 'window', retryAfterSeconds: 900 }]);
      assert.equal(h.events.filter((e) => e.type === 'activation.locked').length, 0);
      // Still inside the window: the refused attempts were counted (they stay refused).
      h.advance(WINDOW_MS - 1000);
      assert.equal(await attempt(h, 'T-3', true), 'rate.limited');
      h.advance(1000);
      assert.equal(await attempt(h, 'T-3', true), 'active');
    } finally {
      await h.close();
    }
  });

  test('a success late in a window gives no room in the next one', async () => {
    const h = await harness('memory', { activationMaxFailures: 5, activationSourceMaxFailures: 3 });
    try {
      // The address's window opens at 0; 3 activations at 10 min record 3 successes.
      assert.equal(await attempt(h, 'T-open', false), 'invalid');
      h.advance(600_000);
      for (let i = 0; i < 3; i++) assert.equal(await attempt(h, `T-ok-${i}`, true), 'active');
      // At 15 min the window has ended (and its one failure with it: the failure counter's
      // window also opened at 0). A burst of wrong codes now gets the limit, not limit + 3.
      h.advance(WINDOW_MS - 600_000);
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => attempt(h, `T-next-${i}`, false)));
      assert.equal(count(outcomes, 'rate.limited'), 5);
      assert.equal(h.lookups, 1 + 3 + 3);
    } finally {
      await h.close();
    }
  });
});
