// Verification codes and identifier validation over real HTTP (embedded, and PostgreSQL +
// Redis when configured): wrong, expired, reused and raced codes; guessing and sending
// throttled with Retry-After; malformed identifiers refused with codes naming the field.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { factsToHeaders } from '../../src/protocol/binding/simIdentifiers.ts';
import { bind, type Clock, codeFromOutbox, events, facts, msisdn, newTerminal, refusedWith, startBindingServer, testClock } from './bindingKit.ts';
import { metricValue } from './attackKit.ts';
import { type Backend, sharedAvailable, type TestServer } from './testServer.ts';

/** A code that differs from `code` in every digit. */
const wrong = (code: string) => code.replace(/\d/g, (d) => String((Number(d) + 1) % 10));

for (const backend of ['embedded', 'shared'] as Backend[]) {
  describe(`verification codes (${backend})`, { skip: backend === 'shared' && !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, () => {
    let server: TestServer & { outbox: string };
    let clock: Clock;
    let n = 100;
    const next = () => ++n;
    before(async () => {
      clock = testClock();
      server = await startBindingServer({ backend, clock });
    });
    after(() => server.close());

    test('a wrong code is refused and recorded; the right one still works', async () => {
      const i = next();
      const t = await newTerminal(server, `T-wrong-${i}`, facts(i), clock);
      const pending = await t.binding.register({ msisdn: msisdn(i) });
      assert.equal(pending.codeLength, 6);
      const code = codeFromOutbox(server.outbox, pending.binding.id);
      const e = await refusedWith(t.binding.confirm(wrong(code)), 'binding.code_invalid');
      assert.equal(e.status, 403);
      assert.equal((await events(server, 'binding.code_failed', t.id)).length, 1);
      assert.equal((await t.binding.confirm(code)).status, 'active');
    });

    test('an expired code is refused', async () => {
      const i = next();
      const t = await newTerminal(server, `T-exp-${i}`, facts(i), clock);
      const pending = await t.binding.register({ msisdn: msisdn(i) });
      clock.advance(300_000);
      const e = await refusedWith(t.binding.confirm(codeFromOutbox(server.outbox, pending.binding.id)), 'binding.code_expired');
      assert.equal(e.status, 410);
    });

    test('a used code cannot be used again', async () => {
      const i = next();
      const t = await newTerminal(server, `T-reuse-${i}`, facts(i), clock);
      const pending = await t.binding.register({ msisdn: msisdn(i) });
      const code = codeFromOutbox(server.outbox, pending.binding.id);
      await t.binding.confirm(code, pending.binding.id);
      await refusedWith(t.binding.confirm(code, pending.binding.id), 'binding.code_expired');
      assert.equal((await t.binding.current()).status, 'active');
    });

    test('concurrent confirmations of the right code (as many as attempts allowed): exactly one binds', async () => {
      const i = next();
      const t = await newTerminal(server, `T-race-${i}`, facts(i), clock);
      const pending = await t.binding.register({ msisdn: msisdn(i) });
      const code = codeFromOutbox(server.outbox, pending.binding.id);
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => t.binding.confirm(code, pending.binding.id)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });

    test('guessing: past five attempts the registration is void and refused with 429 and Retry-After', async () => {
      const i = next();
      const t = await newTerminal(server, `T-guess-${i}`, facts(i), clock);
      const pending = await t.binding.register({ msisdn: msisdn(i) });
      const code = codeFromOutbox(server.outbox, pending.binding.id);
      for (let k = 0; k < 5; k++) await refusedWith(t.binding.confirm(wrong(code)), 'binding.code_invalid');
      const limited = await refusedWith(t.binding.confirm(code, pending.binding.id), 'rate.limited');
      assert.equal(limited.status, 429);
      assert.ok(limited.retryAfterSeconds! > 0 && limited.retryAfterSeconds! <= 300, `Retry-After ${limited.retryAfterSeconds}`);
      await refusedWith(t.binding.confirm(code, pending.binding.id), 'binding.code_expired');
      assert.equal((await events(server, 'binding.throttled', t.id)).length, 1);
    });

    test('another terminal cannot confirm this terminal\'s registration', async () => {
      const i = next();
      const owner = await newTerminal(server, `T-own-${i}`, facts(i), clock);
      const other = await newTerminal(server, `T-other-${i}`, facts(i + 50), clock);
      const pending = await owner.binding.register({ msisdn: msisdn(i) });
      await refusedWith(other.binding.confirm(codeFromOutbox(server.outbox, pending.binding.id), pending.binding.id), 'binding.not_found');
    });

    test('malformed identifiers: 400 with a code and a field naming what is wrong', async () => {
      const i = next();
      const t = await newTerminal(server, `T-bad-${i}`, facts(i), clock);
      const register = (body: unknown, f = facts(i)) => t.client.request('POST', '/v1/bindings', { body, extraHeaders: factsToHeaders(f) });
      const field = async (p: Promise<unknown>, code: string, name: string) => {
        const res = await fetchProblem(p);
        assert.deepEqual([res.code, res.status], [code, 400], `${code} ${name}`);
        assert.equal(res.field, name);
      };
      await field(register({ msisdn: '07400123456' }), 'input.invalid_msisdn', 'msisdn');
      await field(register({ msisdn: '+447700900123' }), 'input.invalid_msisdn', 'msisdn');
      await field(register({ msisdn: msisdn(i) }, { ...facts(i), iccid: '8944000000000000002' }), 'input.invalid_iccid', 'tessera-sim-iccid');
      await field(register({ msisdn: msisdn(i) }, { ...facts(i), imsi: '99912345678901' }), 'input.invalid_imsi', 'tessera-sim-imsi');
      await field(register({ msisdn: msisdn(i) }, { ...facts(i), imsi: '2341012345' }), 'input.invalid_imsi', 'tessera-sim-imsi');
      await field(register({ msisdn: msisdn(i) }, { ...facts(i), seSerial: 'x' }), 'input.invalid_se_serial', 'tessera-se-serial');
      await field(register({ msisdn: msisdn(i) }, { ...facts(i), msisdn: 'nope' }), 'input.invalid_msisdn', 'tessera-sim-msisdn');
      await field(register({ msisdn: msisdn(i) }, { ...facts(i), msisdn: msisdn(i + 1) }), 'input.invalid_msisdn', 'msisdn');
      await field(register({ msisdn: msisdn(i), appId: 'games' }), 'input.invalid', 'appId');
      await field(register({ msisdn: 12 }), 'input.invalid', 'msisdn');
      const pending = await t.binding.register({ msisdn: msisdn(i) });
      await field(t.client.request('POST', `/v1/bindings/${pending.binding.id}/confirm`, { body: { code: '12ab56' } }), 'input.invalid', 'code');
      assert.equal((await events(server, 'binding.registered', t.id)).length, 1, 'nothing was registered for the bad requests');
    });

    test('an app id picks the application; the number may be bound once per application', async () => {
      const i = next();
      const wallet = await newTerminal(server, `T-wallet-${i}`, facts(i), clock);
      const bank = await newTerminal(server, `T-bank-${i}`, facts(i), clock);
      assert.equal((await bind(server, wallet, msisdn(i))).appId, 'wallet');
      assert.equal((await bind(server, bank, msisdn(i), 'bank')).appId, 'bank');
      assert.equal((await wallet.binding.current()).status, 'active');
    });
  });
}

// A registration ends the terminal's earlier pending one (superseded). Its code stays in the
// ephemeral store until it expires, but confirming it is refused: confirm and activation both
// require the binding to be pending, the second inside the activation transaction.
for (const backend of ['embedded', 'shared'] as Backend[]) {
  describe(`superseded registrations (${backend})`, { skip: backend === 'shared' && !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, () => {
    let server: TestServer & { outbox: string };
    let clock: Clock;
    before(async () => {
      clock = testClock();
      server = await startBindingServer({ backend, clock });
    });
    after(() => server.close());

    const listed = async (terminalId: string, status: string) => {
      const res = await server.admin('GET', `/v1/admin/bindings?terminalId=${terminalId}&status=${status}`);
      return ((await res.json()) as { bindings: Array<{ id: string; reason: string | null }> }).bindings;
    };

    test('the code of a superseded registration no longer confirms; the newer one does', async () => {
      const t = await newTerminal(server, 'T-sup-1', facts(201), clock);
      const first = await t.binding.register({ msisdn: msisdn(201) });
      const second = await t.binding.register({ msisdn: msisdn(201) });
      assert.deepEqual((await listed(t.id, 'ended')).map((b) => [b.id, b.reason]), [[first.binding.id, 'superseded']]);
      const e = await refusedWith(t.binding.confirm(codeFromOutbox(server.outbox, first.binding.id), first.binding.id), 'binding.code_expired');
      assert.equal(e.status, 410);
      assert.equal((await t.binding.confirm(codeFromOutbox(server.outbox, second.binding.id), second.binding.id)).id, second.binding.id);
    });

    test('concurrent registrations of one terminal leave one pending, and only its code confirms', async () => {
      const t = await newTerminal(server, 'T-sup-2', facts(202), clock);
      // Five: the registrations a terminal may make in an hour.
      const all = await Promise.all(Array.from({ length: 5 }, () => t.binding.register({ msisdn: msisdn(202) })));
      const pending = await listed(t.id, 'pending');
      assert.equal(pending.length, 1, `pending: ${pending.map((b) => b.id).join(', ')}`);
      const confirmed = await Promise.allSettled(all.map((r) => t.binding.confirm(codeFromOutbox(server.outbox, r.binding.id), r.binding.id)));
      const ok = confirmed.flatMap((r) => (r.status === 'fulfilled' ? [r.value.id] : []));
      assert.deepEqual(ok, [pending[0]!.id]);
      for (const r of confirmed) if (r.status === 'rejected') assert.equal((r.reason as { code?: string }).code, 'binding.code_expired');
    });
  });
}

/** The code, status and field of a refused request. */
async function fetchProblem(p: Promise<unknown>): Promise<{ code: string; status: number; field?: string | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; status: number; field?: string };
    return { code: e.code, status: e.status, field: e.field };
  }
  throw new Error('expected a refusal');
}

describe('throttles', () => {
  test('registrations per terminal and per number are limited per hour', async () => {
    const server = await startBindingServer({ env: { TESSERA_BINDING_REGISTRATIONS_PER_HOUR: '2' } });
    try {
      const t = await newTerminal(server, 'T-reg', facts(1));
      await t.binding.register({ msisdn: msisdn(1) });
      await t.binding.register({ msisdn: msisdn(1) });
      const e = await refusedWith(t.binding.register({ msisdn: msisdn(1) }), 'rate.limited');
      assert.ok(e.retryAfterSeconds! > 3500 && e.retryAfterSeconds! <= 3600);
      const other = await newTerminal(server, 'T-reg-2', facts(2, 2, false));
      await other.binding.register({ msisdn: msisdn(9) });
      await other.binding.register({ msisdn: msisdn(9) });
      const again = await newTerminal(server, 'T-reg-3', facts(3, 3, false));
      await refusedWith(again.binding.register({ msisdn: msisdn(9) }), 'rate.limited');
    } finally {
      await server.close();
    }
  });

  test('code attempts per source address are limited across registrations', async () => {
    const server = await startBindingServer({ env: { TESSERA_BINDING_SOURCE_ATTEMPTS_PER_HOUR: '3' } });
    try {
      const terminals = [];
      for (let k = 1; k <= 3; k++) {
        const t = await newTerminal(server, `T-src-${k}`, facts(k));
        await t.binding.register({ msisdn: msisdn(k) });
        await refusedWith(t.binding.confirm('000000'), 'binding.code_invalid');
        terminals.push(t);
      }
      const e = await refusedWith(terminals[2]!.binding.confirm('000001'), 'rate.limited');
      assert.equal(e.status, 429);
    } finally {
      await server.close();
    }
  });
});

describe('verification codes with the in-memory store full', () => {
  test('a confirmation the store cannot count answers 503 and leaves the registration pending', async () => {
    const clock = testClock();
    const server = await startBindingServer({ clock, env: { TESSERA_MEMORY_MAX_ENTRIES: '1000' } });
    try {
      // A wrong guess elsewhere from this address: its per-address counter exists, so the
      // confirmation below needs room only for its own per-registration counter.
      const other = await newTerminal(server, 'T-full-2', facts(2), clock);
      await other.binding.register({ msisdn: msisdn(2) });
      await refusedWith(other.binding.confirm('000000'), 'binding.code_invalid');
      const t = await newTerminal(server, 'T-full-1', facts(1), clock);
      const pending = await t.binding.register({ msisdn: msisdn(1) });
      // Signed requests remember their nonces (60 s here), one entry each: fill all but one
      // place, which the confirmation's own nonce takes.
      const free = 1000 - (await metricValue(server.admin, 'tessera_memory_store_entries'));
      for (let k = 0; k < free - 1; k++) await t.client.request('GET', '/v1/session');
      assert.equal(await metricValue(server.admin, 'tessera_memory_store_entries'), 999);
      const code = codeFromOutbox(server.outbox, pending.binding.id);
      await refusedWith(t.binding.confirm(code, pending.binding.id), 'server.unavailable');
      assert.deepEqual(await events(server, 'binding.throttled', t.id), []);
      // Once the nonces have expired, the same code binds: the registration stayed pending.
      clock.advance(61_000);
      assert.equal((await t.binding.confirm(code, pending.binding.id)).status, 'active');
    } finally {
      await server.close();
    }
  });
});
