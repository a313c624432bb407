// The operator check over real HTTP: a local server on port 0 speaks the CAMARA SIM Swap
// JSON (POST /check {phoneNumber, maxAge} → {swapped}; POST /retrieve-date {phoneNumber} →
// {latestSimChange}); a reported swap refuses (or cools down) a registration and refuses
// and suspends sensitive calls; an operator that does not answer fails closed by default; a
// terminal revoked (or a binding suspended) while the operator is asked is refused after it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LocalJsonServer, startLocalJsonServer } from '../server/binding/localJsonServer.ts';
import { bind, type Clock, events, facts, msisdn, newTerminal, refusedWith, startBindingServer, testClock } from './bindingKit.ts';
import type { TestServer } from './testServer.ts';

/** Per number: when the operator last swapped its SIM (absent: never). */
const swaps = new Map<string, Date>();
/** Per number: what happens while the operator is asked /retrieve-date, before it answers. */
const whileAsked = new Map<string, () => Promise<void>>();

function operatorAnswers(op: LocalJsonServer, clock: Clock): void {
  op.answer('/sim-swap/v2/check', (r) => {
    const { phoneNumber, maxAge } = r.body as { phoneNumber: string; maxAge: number };
    const at = swaps.get(phoneNumber);
    return { status: 200, json: { swapped: at !== undefined && clock.now() - at.getTime() <= maxAge * 3_600_000 } };
  });
  op.answer('/sim-swap/v2/retrieve-date', async (r) => {
    const phoneNumber = (r.body as { phoneNumber: string }).phoneNumber;
    await whileAsked.get(phoneNumber)?.();
    const at = swaps.get(phoneNumber);
    return { status: 200, json: at ? { latestSimChange: at.toISOString() } : { latestSimChange: null, monitoredPeriod: 120 } };
  });
}

const echo = (t: { binding: { sensitive: (m: string, p: string, o: { body: unknown }) => Promise<unknown> } }) => t.binding.sensitive('POST', '/v1/secure/echo', { body: {} });

describe('CAMARA SIM Swap oracle', () => {
  let op: LocalJsonServer;
  let clock: Clock;
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const s = await startBindingServer({ clock, env: { TESSERA_BINDING_SIM_SWAP_URL: `${op.url}/sim-swap/v2`, TESSERA_BINDING_SIM_SWAP_TOKEN: 'op-token', TESSERA_BINDING_SIM_SWAP_CACHE_SECONDS: '0', ...env } });
    servers.push(s);
    return s;
  };
  before(async () => {
    clock = testClock();
    op = await startLocalJsonServer();
    operatorAnswers(op, clock);
  });
  after(async () => {
    for (const s of servers) await s.close();
    await op.close();
  });

  test('policy refuse: a swap within maxAge refuses the registration before any code is sent', async () => {
    const server = await start({ TESSERA_BINDING_SIM_SWAP_POLICY: 'refuse', TESSERA_BINDING_SIM_SWAP_MAX_AGE_HOURS: '72' });
    swaps.set(msisdn(61), new Date(clock.now() - 3_600_000));
    const t = await newTerminal(server, 'T-op-refused', facts(61), clock);
    const e = await refusedWith(t.binding.register({ msisdn: msisdn(61) }), 'binding.sim_swap_reported');
    assert.equal(e.status, 403);
    const asked = op.received.filter((r) => r.path === '/sim-swap/v2/check').at(-1)!;
    assert.deepEqual(asked.body, { phoneNumber: msisdn(61), maxAge: 72 });
    assert.equal(asked.headers['authorization'], 'Bearer op-token');
    assert.deepEqual((await events(server, 'binding.sim_swap_reported', t.id))[0]?.detail, { phase: 'registration', maxAgeHours: 72, policy: 'refuse' });
    assert.equal((await events(server, 'binding.registered', t.id)).length, 0);
  });

  test('policy cooldown (default): the binding is made, with sensitive calls held for the cool-down', async () => {
    const server = await start();
    swaps.set(msisdn(62), new Date(clock.now() - 2 * 3_600_000));
    const t = await newTerminal(server, 'T-op-cool', facts(62), clock);
    const b = await bind(server, t);
    assert.equal(Date.parse(b.cooldownUntil!), clock.now() + 86_400_000);
    await refusedWith(echo(t), 'binding.cooling_down');
    assert.deepEqual((await events(server, 'binding.registered', t.id))[0]?.detail['signals'], ['operator_reports_swap']);
  });

  test('a swap the operator reports after binding refuses the sensitive call and suspends the binding', async () => {
    const server = await start();
    const t = await newTerminal(server, 'T-op-call', facts(63), clock);
    swaps.set(msisdn(63), new Date(clock.now() - 400 * 3_600_000)); // long before: neither recent nor after binding
    await bind(server, t);
    await echo(t);
    clock.advance(60_000);
    swaps.set(msisdn(63), new Date(clock.now() - 1000)); // the SIM is swapped at the operator, the phone still shows the old one
    const e = await refusedWith(echo(t), 'binding.sim_swap_reported');
    assert.equal(e.status, 403);
    const current = await t.binding.current();
    assert.deepEqual([current.status, current.reason], ['suspended', 'sim_swap_reported']);
    const reported = (await events(server, 'binding.sim_swap_reported', t.id))[0];
    assert.equal(reported?.detail['phase'], 'call');
    assert.equal(reported?.detail['latestSimChange'], swaps.get(msisdn(63))!.toISOString());
    assert.deepEqual(op.received.filter((r) => r.path === '/sim-swap/v2/retrieve-date').at(-1)?.body, { phoneNumber: msisdn(63) });
  });

  test('a "no swap" answer is reused for the cache time', async () => {
    const server = await start({ TESSERA_BINDING_SIM_SWAP_CACHE_SECONDS: '600' });
    const t = await newTerminal(server, 'T-op-cache', facts(64), clock);
    await bind(server, t);
    const asked = () => op.received.filter((r) => r.path === '/sim-swap/v2/retrieve-date' && (r.body as { phoneNumber: string }).phoneNumber === msisdn(64)).length;
    await echo(t);
    await echo(t);
    assert.equal(asked(), 1);
  });

  // The signature verifier read the terminal's status before the operator was asked (up to
  // its 5 s timeout); the guard reads it, and the binding, again once the answer is in.
  test('revoked, or the binding suspended, while the operator is asked: the sensitive call is refused', async () => {
    const server = await start();
    const t = await newTerminal(server, 'T-op-revoked', facts(67), clock);
    await bind(server, t);
    let status = 0;
    whileAsked.set(msisdn(67), async () => {
      status = (await server.admin('POST', `/v1/admin/terminals/${t.id}/revoke`)).status;
    });
    // The server answers auth.session_invalid; the SDK logs in again, which a revoked terminal is refused.
    await refusedWith(echo(t), 'auth.refused');
    assert.equal(status, 200, 'the revocation went through while the operator was asked');

    const u = await newTerminal(server, 'T-op-suspended', facts(68), clock);
    const b = await bind(server, u);
    whileAsked.set(msisdn(68), async () => {
      status = (await server.admin('POST', `/v1/admin/bindings/${b.id}/suspend`)).status;
    });
    await refusedWith(echo(u), 'binding.suspended');
    assert.equal(status, 200);
    whileAsked.clear();
  });

  test('an operator that does not answer: refused with 503 by default, let through (and recorded) when failing open', async () => {
    const closed = await start({ TESSERA_BINDING_SIM_SWAP_URL: 'http://127.0.0.1:1/sim-swap/v2' });
    const t = await newTerminal(closed, 'T-op-down', facts(65), clock);
    const e = await refusedWith(t.binding.register({ msisdn: msisdn(65) }), 'binding.oracle_unavailable');
    assert.equal(e.status, 503);

    const open = await start({ TESSERA_BINDING_SIM_SWAP_URL: 'http://127.0.0.1:1/sim-swap/v2', TESSERA_BINDING_SIM_SWAP_FAIL_OPEN: 'true' });
    const u = await newTerminal(open, 'T-op-open', facts(66), clock);
    await bind(open, u);
    await echo(u);
    const failures = await events(open, 'binding.oracle_failed', u.id);
    assert.deepEqual(failures.map((f) => f.detail['phase']).sort(), ['call', 'registration']);
  });
});
