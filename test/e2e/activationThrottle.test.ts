// Guessing activation codes over real HTTP: a terminal gets 5 attempts per window, then is
// locked out (429 rate.limited, Retry-After, a message saying when) even for the right code;
// a burst of concurrent guesses is cut at the limit, per terminal and per address; an address
// whose terminals keep failing is locked out too, and its successes take none of its room.
// Deterministic with the injected clock (embedded); the lockout and the burst per address are
// also checked on PostgreSQL + Redis when configured (embedded requests barely overlap, so
// test/server/activation/activationThrottleAddress.test.ts interleaves a burst in memory).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { metricValue } from './attackKit.ts';
import { batchView, clientFor, issueCodes, neverIssued, provisionTerminals, terminalStatus } from './activationKit.ts';
import { type Clock, events, refusedWith, testClock } from './bindingKit.ts';
import { type Backend, sharedAvailable, startTestServer, type TestServer } from './testServer.ts';

const HOUR = 3_600_000;

describe('activation guessing (embedded, injected clock)', () => {
  let server: TestServer;
  let clock: Clock;
  before(async () => {
    clock = testClock(Date.parse('2026-11-02T10:00:00.000Z'));
    server = await startTestServer({ env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false', TESSERA_ACTIVATION_SOURCE_MAX_FAILURES: '1000' }, now: clock.now });
  });
  after(() => server.close());

  test('5 wrong codes count down, the 5th locks the terminal; then even the right code is 429 until the lockout ends', async () => {
    const [code] = await issueCodes(server, 'B-guess', 1);
    const [credential] = await provisionTerminals(server, ['T-guess']);
    const t = clientFor(server, credential!, clock.now);
    for (let i = 1; i <= 5; i++) {
      const e = await refusedWith(t.activate(neverIssued(i)), 'activation.code_invalid');
      assert.equal(e.status, 403);
      if (i < 5) assert.match(e.message, new RegExp(`\\(${5 - i} attempts? left before a lockout\\)`));
      else assert.match(e.message, /too many failed attempts: try again after 2026-11-02T11:00:04\.000Z/); // locked at the 5th, 4 s in
      clock.advance(1000);
    }
    // (the SDK takes retryAfterSeconds from the HTTP Retry-After header)
    const locked = await refusedWith(t.activate(code!), 'rate.limited');
    assert.equal(locked.status, 429);
    assert.equal(locked.retryAfterSeconds, 3599);
    assert.match(locked.message, /from this terminal; try again after 2026-11-02T11:00:04\.000Z \(in 60 minutes\)/);

    clock.advance(HOUR - 2000); // 11:00:03
    const last = await refusedWith(t.activate(code!), 'rate.limited');
    assert.equal(last.retryAfterSeconds, 1);
    clock.advance(1000);
    assert.equal((await t.activate(code!)).status, 'active', 'after the lockout the right code works');

    const failed = await events(server, 'activation.failed', 'T-guess');
    assert.deepEqual(
      failed.map((e) => e.detail['attemptsLeft']).reverse(),
      [4, 3, 2, 1, 0],
    );
    const [lock] = await events(server, 'activation.locked', 'T-guess');
    assert.deepEqual(lock?.detail, { scope: 'terminal', until: '2026-11-02T11:00:04.000Z' });
    assert.equal((await events(server, 'activation.throttled', 'T-guess')).length, 2);
    assert.equal((await events(server, 'activation.succeeded', 'T-guess')).length, 1);
  });

  test('a burst of 20 concurrent guesses: at most 5 reach the codes, the rest are 429', async () => {
    const [code] = await issueCodes(server, 'B-burst', 1);
    const [credential] = await provisionTerminals(server, ['T-burst']);
    const t = clientFor(server, credential!, clock.now);
    await t.login();
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => t.request('POST', '/v1/activate', { body: { code: neverIssued(100 + i) } })));
    const codes = results.map((r) => (r.status === 'rejected' && isTesseraError(r.reason) ? r.reason.code : 'ok'));
    assert.equal(codes.filter((c) => c === 'activation.code_invalid').length, 5);
    assert.equal(codes.filter((c) => c === 'rate.limited').length, 15);
    await refusedWith(t.activate(code!), 'rate.limited');
    assert.equal((await batchView(server, 'B-burst')).counts.issued, 1);
  });
});

describe('activation guessing per address (embedded, injected clock)', () => {
  let server: TestServer;
  let clock: Clock;
  before(async () => {
    clock = testClock(Date.parse('2026-11-03T10:00:00.000Z'));
    server = await startTestServer({ env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false', TESSERA_ACTIVATION_SOURCE_MAX_FAILURES: '3', TESSERA_ACTIVATION_LOCKOUT_SECONDS: '600' }, now: clock.now });
  });
  after(() => server.close());

  test('failures of many terminals from one address lock the address; a fresh terminal there is refused too', async () => {
    const [code] = await issueCodes(server, 'B-src', 1);
    const ids = ['T-src-1', 'T-src-2', 'T-src-3', 'T-src-4'];
    const clients = (await provisionTerminals(server, ids)).map((c) => clientFor(server, c, clock.now));
    for (const [i, c] of clients.slice(0, 3).entries()) await refusedWith(c.activate(neverIssued(200 + i)), 'activation.code_invalid');
    const e = await refusedWith(clients[3]!.activate(code!), 'rate.limited');
    assert.match(e.message, /from this network address; try again after 2026-11-03T10:10:00\.000Z \(in 10 minutes\)/);
    assert.equal(e.retryAfterSeconds, 600);
    const [lock] = await events(server, 'activation.locked');
    assert.equal(lock?.detail['scope'], 'source');
    // The lockout (10 min) ends inside the counting window (15 min): the address has used
    // its attempts for that window, so it stays refused, before any code is looked at.
    clock.advance(600_000);
    const w = await refusedWith(clients[3]!.activate(code!), 'rate.limited');
    assert.match(w.message, /too many activation attempts from this network address in this window; try again after 2026-11-03T10:15:00\.000Z \(in 5 minutes\)/);
    assert.equal(w.retryAfterSeconds, 300);
    clock.advance(300_000);
    assert.equal((await clients[3]!.activate(code!)).status, 'active');
    assert.equal(await terminalStatus(server, 'T-src-4'), 'active');
  });
});

describe('activation successes per address (embedded, injected clock)', () => {
  let server: TestServer;
  let clock: Clock;
  before(async () => {
    clock = testClock(Date.parse('2026-11-04T10:00:00.000Z'));
    server = await startTestServer({ env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false', TESSERA_ACTIVATION_SOURCE_MAX_FAILURES: '3' }, now: clock.now });
  });
  after(() => server.close());

  test('a shop activating 6 terminals from one address keeps its room: the 3rd failure after them locks, not the 1st', async () => {
    const codes = await issueCodes(server, 'B-shop', 6);
    const ids = Array.from({ length: 9 }, (_, i) => `T-shop-${i}`);
    const clients = (await provisionTerminals(server, ids)).map((c) => clientFor(server, c, clock.now));
    for (const [i, code] of codes.entries()) assert.equal((await clients[i]!.activate(code)).status, 'active');
    await refusedWith(clients[6]!.activate(neverIssued(400)), 'activation.code_invalid');
    await refusedWith(clients[7]!.activate(neverIssued(401)), 'activation.code_invalid');
    const third = await refusedWith(clients[8]!.activate(neverIssued(402)), 'activation.code_invalid');
    assert.match(third.message, /too many failed attempts: try again after/);
    await refusedWith(clients[6]!.activate(neverIssued(403)), 'rate.limited');
    assert.equal((await events(server, 'activation.succeeded')).length, 6);
  });
});

for (const backend of ['embedded', 'shared'] as Backend[]) {
  describe(`activation burst from one address (${backend})`, { skip: backend === 'shared' && !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ backend, env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false', TESSERA_ACTIVATION_SOURCE_MAX_FAILURES: '20' } });
    });
    after(() => server.close());

    test('10 terminals × 5 concurrent wrong codes: 20 reach the codes (the address limit), 30 are 429, then the address is locked', async () => {
      const [code] = await issueCodes(server, `B-burst-${backend}`, 1);
      const ids = Array.from({ length: 11 }, (_, i) => `T-burst-${backend}-${i}`);
      const clients = (await provisionTerminals(server, ids)).map((c) => clientFor(server, c));
      await Promise.all(clients.map((c) => c.login()));
      const burst = clients.slice(0, 10).flatMap((c, t) => Array.from({ length: 5 }, (_, k) => c.request('POST', '/v1/activate', { body: { code: neverIssued(500 + 5 * t + k) } })));
      const results = await Promise.allSettled(burst);
      const codes = results.map((r) => (r.status === 'rejected' && isTesseraError(r.reason) ? r.reason.code : 'ok'));
      assert.equal(codes.filter((c) => c === 'activation.code_invalid').length, 20);
      assert.equal(codes.filter((c) => c === 'rate.limited').length, 30);
      assert.equal((await events(server, 'activation.failed')).filter((e) => e.detail['reason'] === 'unknown').length, 20);
      const e = await refusedWith(clients[10]!.activate(code!), 'rate.limited');
      assert.match(e.message, /from this network address/);
      assert.equal((await batchView(server, `B-burst-${backend}`)).counts.issued, 1);
    });
  });
}

for (const backend of ['shared'] as Backend[]) {
  describe(`activation lockout (${backend})`, { skip: !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ backend, env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false', TESSERA_ACTIVATION_SOURCE_MAX_FAILURES: '1000' } });
    });
    after(() => server.close());

    test('5 wrong codes, then the right one is 429 with Retry-After (counters in Redis)', async () => {
      const [code] = await issueCodes(server, 'B-guess-shared', 1);
      const [credential] = await provisionTerminals(server, ['T-guess-shared']);
      const t = clientFor(server, credential!);
      for (let i = 1; i <= 5; i++) await refusedWith(t.activate(neverIssued(300 + i)), 'activation.code_invalid');
      const e = await refusedWith(t.activate(code!), 'rate.limited');
      assert.ok(e.retryAfterSeconds! > 3590 && e.retryAfterSeconds! <= 3600);
      assert.equal((await batchView(server, 'B-guess-shared')).counts.issued, 1);
    });
  });
}

describe('activation with the in-memory store full', () => {
  test('a failure the store cannot count answers 503 and is still recorded', async () => {
    const server = await startTestServer({ env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false', TESSERA_ACTIVATION_SOURCE_MAX_FAILURES: '1', TESSERA_MEMORY_MAX_ENTRIES: '1000' } });
    try {
      const [credential] = await provisionTerminals(server, ['T-full']);
      const t = clientFor(server, credential!);
      await t.request('GET', '/v1/session');
      // Leave room for the attempt's nonce and its terminal's and its address's attempt
      // counters, not for the address's failure counter its failure then needs.
      const free = 1000 - (await metricValue(server.admin, 'tessera_memory_store_entries'));
      for (let k = 0; k < free - 3; k++) await t.request('GET', '/v1/session');
      await refusedWith(t.activate(neverIssued(1)), 'server.unavailable');
      const [failed] = await events(server, 'activation.failed');
      assert.equal(failed?.detail['reason'], 'unknown');
      assert.equal(failed?.detail['throttle'], 'unavailable');
      // The store is full now: the next attempt is refused at once, its signed request's nonce
      // having no room (the throttle's own refusal before the code is looked at is shown in
      // test/server/activation/activationThrottleFullStore.test.ts).
      await refusedWith(t.activate(neverIssued(2)), 'server.unavailable');
      assert.equal((await events(server, 'activation.failed')).length, 1);
    } finally {
      await server.close();
    }
  });

  test('a success the store cannot count is still answered: the terminal is active, the event says so', async () => {
    const server = await startTestServer({ env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false', TESSERA_MEMORY_MAX_ENTRIES: '1000' } });
    try {
      const [code] = await issueCodes(server, 'B-full', 1);
      const [credential] = await provisionTerminals(server, ['T-full-ok']);
      const t = clientFor(server, credential!);
      await t.request('GET', '/v1/session');
      // Room for the nonce and the two attempt counters, not for the address's success count.
      const free = 1000 - (await metricValue(server.admin, 'tessera_memory_store_entries'));
      for (let k = 0; k < free - 3; k++) await t.request('GET', '/v1/session');
      // (the request alone: the SDK's activate logs in again after, which needs room too)
      const { body } = await t.request('POST', '/v1/activate', { body: { code: code! } });
      assert.equal((body as { status: string }).status, 'active');
      assert.equal(await terminalStatus(server, 'T-full-ok'), 'active');
      const [succeeded] = await events(server, 'activation.succeeded');
      assert.equal(succeeded?.detail['throttle'], 'unavailable');
    } finally {
      await server.close();
    }
  });
});
