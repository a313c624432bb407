// SIM/secure-element binding over real HTTP, on the embedded stores and (when configured)
// on PostgreSQL + Redis: bind, sensitive calls, SIM swap, subscriber/number/SE change, the
// app moved to another terminal, re-binding with the cool-down.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { factsToHeaders } from '../../src/protocol/binding/simIdentifiers.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import type { FetchLike } from '../../src/terminal/httpTransport.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { bind, type Clock, events, facts, imsi, msisdn, newTerminal, refusedWith, seSerial, startBindingServer, testClock } from './bindingKit.ts';
import { type Backend, sharedAvailable, type TestServer } from './testServer.ts';

const DAY = 86_400_000;
const echo = (t: { binding: { sensitive: (m: string, p: string, o: { body: unknown }) => Promise<unknown> } }, body: unknown = { amount: 10 }) =>
  t.binding.sensitive('POST', '/v1/secure/echo', { body });

for (const backend of ['embedded', 'shared'] as Backend[]) {
  describe(`SIM binding over HTTP (${backend})`, { skip: backend === 'shared' && !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, () => {
    let server: TestServer & { outbox: string };
    let clock: Clock;
    let n = 0;
    const next = () => ++n;
    before(async () => {
      clock = testClock();
      server = await startBindingServer({ backend, clock });
    });
    after(() => server.close());

    test('bind with the code from the SMS, then a sensitive call passes with the facts signed in', async () => {
      const i = next();
      const t = await newTerminal(server, `T-ok-${i}`, facts(i), clock);
      const b = await bind(server, t);
      assert.equal(b.status, 'active');
      assert.equal(b.msisdnLast4, msisdn(i).slice(-4));
      assert.equal(b.cooldownUntil, null);
      const { body } = (await echo(t, { amount: 12, to: 'shop' })) as { body: { terminalId: string; bindingId: string; body: unknown } };
      assert.deepEqual(body, { terminalId: t.id, bindingId: b.id, body: { amount: 12, to: 'shop' } });
      assert.equal((await t.binding.current()).id, b.id);
    });

    test('no binding, missing facts, unsigned or altered facts: refused', async () => {
      const i = next();
      const t = await newTerminal(server, `T-guard-${i}`, facts(i), clock);
      await refusedWith(echo(t), 'binding.required');
      await bind(server, t);
      const missing = await refusedWith(t.client.request('POST', '/v1/secure/echo', { body: {} }), 'binding.facts_missing');
      assert.equal(missing.status, 400);

      // A proxy adds the facts after signing: they are not covered, so they count for nothing.
      const credential = await server.addTerminal(`T-guard-unsigned-${i}`);
      const addAfterSigning: FetchLike = (url, init) => fetch(url, { ...init, headers: { ...init.headers, ...factsToHeaders(facts(i)) } } as RequestInit);
      const unsigned = new TerminalClient({ credential, primitives: nodePrimitives, url: server.url, now: clock.now, fetch: addAfterSigning });
      const e = await refusedWith(unsigned.request('POST', '/v1/secure/echo', { body: {} }), 'binding.facts_unsigned');
      assert.equal(e.status, 401);

      // A proxy swaps a signed fact: the signature no longer verifies.
      const swapIccid: FetchLike = (url, init) => fetch(url, { ...init, headers: { ...init.headers, 'tessera-sim-iccid': facts(i + 1000).iccid } } as RequestInit);
      const tampered = new TerminalClient({ credential, primitives: nodePrimitives, url: server.url, now: clock.now, fetch: swapIccid });
      await refusedWith(tampered.request('POST', '/v1/secure/echo', { body: {}, extraHeaders: factsToHeaders(facts(i)) }), 'sig.invalid');
      await echo(t); // the binding itself is untouched
    });

    test('SIM swap (same number, new ICCID and IMSI): refused, suspended, recorded; the old SIM back does not help', async () => {
      const i = next();
      const t = await newTerminal(server, `T-swap-${i}`, facts(i), clock);
      const b = await bind(server, t);
      t.sim.set({ iccid: facts(i + 500).iccid, imsi: imsi(i + 500) });
      const e = await refusedWith(echo(t), 'binding.sim_changed');
      assert.equal(e.status, 403);
      const current = await t.binding.current();
      assert.deepEqual([current.id, current.status, current.reason], [b.id, 'suspended', 'sim_changed']);
      const [mismatch] = await events(server, 'binding.mismatch', t.id);
      assert.deepEqual(mismatch?.detail, { bindingId: b.id, reason: 'sim_changed', mismatched: ['iccid', 'imsi'] });
      t.sim.set(facts(i));
      await refusedWith(echo(t), 'binding.suspended');
    });

    test('a new IMSI alone, or another number, is refused with its own code', async () => {
      const i = next();
      const sub = await newTerminal(server, `T-imsi-${i}`, facts(i), clock);
      await bind(server, sub);
      sub.sim.set({ imsi: imsi(i + 700) });
      await refusedWith(echo(sub), 'binding.subscriber_changed');

      const j = next();
      const num = await newTerminal(server, `T-num-${j}`, facts(j), clock);
      await bind(server, num);
      num.sim.set({ msisdn: msisdn(j + 700) });
      await refusedWith(echo(num), 'binding.number_changed');
      assert.equal((await num.binding.current()).reason, 'number_changed');
    });

    test('secure-element change: refused and suspended', async () => {
      const i = next();
      const t = await newTerminal(server, `T-se-${i}`, facts(i), clock);
      await bind(server, t);
      t.sim.set({ seSerial: seSerial(i + 900) });
      await refusedWith(echo(t), 'binding.se_changed');
      assert.deepEqual([(await t.binding.current()).status, (await t.binding.current()).reason], ['suspended', 'se_changed']);
      // Re-binding with the new chip needs a code, but no cool-down: it is not a SIM change.
      const again = await bind(server, t);
      assert.equal(again.cooldownUntil, null);
      await echo(t);
    });

    test('the app moved to another terminal: binding the number there ends the old binding', async () => {
      const i = next();
      const oldPhone = await newTerminal(server, `T-old-${i}`, facts(i), clock);
      const first = await bind(server, oldPhone);
      const newPhone = await newTerminal(server, `T-new-${i}`, { ...facts(i), seSerial: seSerial(i + 300) }, clock);
      const second = await bind(server, newPhone);
      assert.equal(second.cooldownUntil, null, 'same SIM, new phone: no SIM change');
      await echo(newPhone);
      await refusedWith(echo(oldPhone), 'binding.required');
      const old = (await (await server.admin('GET', `/v1/admin/bindings/${first.id}`)).json()) as { status: string; reason: string };
      assert.deepEqual([old.status, old.reason], ['ended', 'replaced']);
      const [ended] = await events(server, 'binding.ended', oldPhone.id);
      assert.deepEqual(ended?.detail, { bindingId: first.id, reason: 'replaced', by: second.id });
    });

    test('re-binding after a SIM swap restores sensitive calls once the cool-down is over', async () => {
      const i = next();
      const t = await newTerminal(server, `T-rebind-${i}`, facts(i), clock);
      await bind(server, t);
      t.sim.set({ iccid: facts(i + 600).iccid, imsi: imsi(i + 600) });
      await refusedWith(echo(t), 'binding.sim_changed');
      const rebound = await bind(server, t);
      assert.equal(rebound.status, 'active');
      assert.equal(Date.parse(rebound.cooldownUntil!), clock.now() + DAY);
      const held = await refusedWith(echo(t), 'binding.cooling_down');
      assert.equal(held.status, 403);
      assert.equal(held.retryAfterSeconds, 86400);
      // Binding once more during the cool-down does not shorten it.
      clock.advance(DAY / 2);
      const again = await bind(server, t);
      assert.equal(again.cooldownUntil, rebound.cooldownUntil);
      clock.advance(DAY / 2 - 1000);
      await refusedWith(echo(t), 'binding.cooling_down');
      clock.advance(1000);
      await echo(t);
    });

    test('a number last bound with another SIM starts the cool-down on its new terminal', async () => {
      const i = next();
      const before = await newTerminal(server, `T-lost-${i}`, facts(i), clock);
      await bind(server, before);
      const thief = await newTerminal(server, `T-thief-${i}`, { ...facts(i + 800), msisdn: msisdn(i) }, clock);
      const b = await bind(server, thief);
      assert.ok(b.cooldownUntil !== null, 'a SIM swap seen at registration');
      await refusedWith(echo(thief), 'binding.cooling_down');
      const [registered] = await events(server, 'binding.registered', thief.id);
      assert.deepEqual(registered?.detail['signals'], ['number_had_other_sim']);
    });

    test('the terminal can release its own binding', async () => {
      const i = next();
      const t = await newTerminal(server, `T-rel-${i}`, facts(i), clock);
      await bind(server, t);
      const released = await t.binding.release();
      assert.deepEqual([released.status, released.reason], ['ended', 'released_by_terminal']);
      await refusedWith(echo(t), 'binding.required');
      await refusedWith(t.binding.current(), 'binding.not_found');
    });
  });
}

describe('one binding per number is a policy', () => {
  test('with TESSERA_BINDING_ONE_PER_NUMBER=false a number stays bound on several terminals', async () => {
    const server = await startBindingServer({ env: { TESSERA_BINDING_ONE_PER_NUMBER: 'false' } });
    try {
      const a = await newTerminal(server, 'T-a', facts(1));
      const b = await newTerminal(server, 'T-b', { ...facts(1), seSerial: seSerial(2) });
      await bind(server, a);
      const second = await bind(server, b);
      assert.equal(second.exclusive, false);
      await echo(a);
      await echo(b);
    } finally {
      await server.close();
    }
  });
});
