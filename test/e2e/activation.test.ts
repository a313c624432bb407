// Activation over real HTTP (embedded, and PostgreSQL + Redis when configured): a provisioned
// terminal spends a code and comes back with the active capabilities; reuse, expiry,
// revocation, restricted sessions and typing errors are refused with precise codes; by
// default activation is a sensitive call that needs a SIM binding; codes survive a key rotation.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BindingClient } from '../../src/terminal/binding/bindingClient.ts';
import { SimulatedSubscriberInfo } from '../../src/terminal/binding/subscriberInfo.ts';
import { batchView, clientFor, issueCodes, provisionTerminals, terminalStatus } from './activationKit.ts';
import { bind, type Clock, events, facts, refusedWith, startBindingServer, testClock } from './bindingKit.ts';
import { type Backend, sharedAvailable, startTestServer, type TestServer } from './testServer.ts';

const DAY = 86_400_000;
const NO_BINDING = { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false' };

for (const backend of ['embedded', 'shared'] as Backend[]) {
  describe(`activation (${backend})`, { skip: backend === 'shared' && !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, () => {
    let server: TestServer;
    let clock: Clock;
    let n = 0;
    const id = (what: string) => `T-${what}-${++n}`;
    /** A provisioned terminal's client; its id is `client.terminalId`. */
    const client = async (what: string, options: { hwHash?: string } = {}) => {
      const [credential] = await provisionTerminals(server, [id(what)], options);
      return Object.assign(clientFor(server, credential!, clock.now), { terminalId: credential!.terminalId });
    };
    before(async () => {
      clock = testClock();
      server = await startTestServer({ backend, env: NO_BINDING, now: clock.now });
    });
    after(() => server.close());

    test('a provisioned terminal activates with a code typed any way, then holds the active capabilities', async () => {
      const [code, ...rest] = await issueCodes(server, 'B-happy', 3, { product: 'gold-24m' });
      const t = await client('happy');
      assert.deepEqual((await t.login()).capabilities, ['session', 'activate', 'update']);
      const typed = code!.toLowerCase().replace(/-/g, ' ').replace(/1/g, 'l').replace(/0/g, 'o');
      const out = await t.activate(typed);
      assert.equal(out.status, 'active');
      assert.equal(out.product, 'gold-24m');
      assert.equal(out.activatedAt, new Date(clock.now()).toISOString());
      assert.deepEqual(out.session.capabilities, ['session', 'update'], 'the new session has the active capabilities');
      assert.deepEqual(t.session?.capabilities, ['session', 'update']);
      assert.equal(await terminalStatus(server, out.terminalId), 'active');
      assert.deepEqual((await batchView(server, 'B-happy')).counts, { issued: 2, used: 1, revoked: 0, expired: 0 });
      const [event] = await events(server, 'activation.succeeded', out.terminalId);
      assert.deepEqual(event?.detail, { batch: 'B-happy', product: 'gold-24m', hashKid: 1 });
      const used = (await (await server.admin('GET', '/v1/admin/code-batches/B-happy/redemptions')).json()) as unknown;
      assert.deepEqual(used, { redemptions: [{ terminalId: out.terminalId, usedAt: out.activatedAt }], next: null });
      assert.equal((await server.admin('GET', '/v1/admin/code-batches/B-nothing/redemptions')).status, 404);
      assert.equal(rest.length, 2);
    });

    test('restrict then restore returns a terminal to where it was: provisioned until it spent a code, active after', async () => {
      const move = async (terminalId: string, op: 'restrict' | 'restore') => ((await (await server.admin('POST', `/v1/admin/terminals/${terminalId}/${op}`)).json()) as { status: string }).status;
      const unpaid = await client('restore-unpaid');
      assert.equal(await move(unpaid.terminalId, 'restrict'), 'restricted');
      assert.equal(await move(unpaid.terminalId, 'restore'), 'provisioned', 'no code was spent: restoring does not activate');
      assert.equal(await move(unpaid.terminalId, 'restore'), 'provisioned', 'restoring again changes nothing');
      assert.deepEqual((await unpaid.login()).capabilities, ['session', 'activate', 'update']);
      const [restored] = await events(server, 'terminal.restored', unpaid.terminalId);
      assert.deepEqual(restored?.detail, { from: 'restricted', to: 'provisioned' });
      const [code] = await issueCodes(server, 'B-restore', 1);
      assert.equal((await unpaid.activate(code!)).status, 'active', 'it can still activate with a code');

      const paid = await client('restore-paid');
      const [paidCode] = await issueCodes(server, 'B-restore-paid', 1);
      await paid.activate(paidCode!);
      assert.equal(await move(paid.terminalId, 'restrict'), 'restricted');
      assert.equal(await move(paid.terminalId, 'restore'), 'active');
      assert.deepEqual((await paid.login()).capabilities, ['session', 'update']);
      const again = await server.admin('POST', `/v1/admin/terminals/${unpaid.terminalId}/restore`);
      assert.equal(again.status, 200, 'restoring an active terminal changes nothing');
      assert.equal(((await again.json()) as { status: string }).status, 'active');
    });

    test('code reuse is refused: another terminal gets activation.code_used, the user no longer has activate', async () => {
      const [code] = await issueCodes(server, 'B-reuse', 1);
      const first = await client('reuse-a');
      await first.activate(code!);
      const second = await client('reuse-b');
      const e = await refusedWith(second.activate(code!), 'activation.code_used');
      assert.equal(e.status, 409);
      assert.match(e.message, /already used/);
      const again = await refusedWith(first.request('POST', '/v1/activate', { body: { code } }), 'auth.capability_missing');
      assert.equal(again.status, 403, 'the server: an active terminal has no activate capability');
      assert.match((await refusedWith(first.activate(code!), 'terminal.wrong_state')).message, /already active/, 'the SDK says what it means');
      assert.equal(await terminalStatus(server, second.terminalId), 'provisioned');
      const [failed] = await events(server, 'activation.failed', second.terminalId);
      assert.deepEqual(failed?.detail, { reason: 'used', attemptsLeft: 4, batch: 'B-reuse', usedBy: first.terminalId });
      assert.equal((await batchView(server, 'B-reuse')).counts.used, 1);
    });

    test('an expired code is refused with activation.code_expired, and the terminal stays provisioned', async () => {
      const [code] = await issueCodes(server, 'B-exp', 2, { expiresAt: new Date(clock.now() + DAY).toISOString() });
      const t = await client('exp');
      clock.advance(DAY);
      const e = await refusedWith(t.activate(code!), 'activation.code_expired');
      assert.equal(e.status, 410);
      assert.match(e.message, /expired on \d{4}-/);
      assert.deepEqual((await batchView(server, 'B-exp')).counts, { issued: 0, used: 0, revoked: 0, expired: 2 });
      assert.deepEqual(t.session?.capabilities, ['session', 'activate', 'update'], 'still provisioned');
    });

    test('a revoked batch\'s codes are refused with activation.code_revoked; used codes stay used', async () => {
      const [used, revoked] = await issueCodes(server, 'B-rev', 3);
      await (await client('rev-a')).activate(used!);
      const res = await server.admin('POST', '/v1/admin/code-batches/B-rev/revoke');
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { revoked: number }).revoked, 2);
      const e = await refusedWith((await client('rev-b')).activate(revoked!), 'activation.code_revoked');
      assert.equal(e.status, 410);
      assert.deepEqual((await batchView(server, 'B-rev')).counts, { issued: 0, used: 1, revoked: 2, expired: 0 });
    });

    test('a restricted session (hardware evidence does not match) lacks activate: the server enforces restricted mode', async () => {
      const [code] = await issueCodes(server, 'B-restr', 1);
      const t = await client('restr', { hwHash: randomBytes(32).toString('base64url') });
      assert.deepEqual((await t.login()).capabilities, ['update']);
      const e = await refusedWith(t.request('POST', '/v1/activate', { body: { code } }), 'auth.capability_missing');
      assert.equal(e.status, 403);
      assert.match((await refusedWith(t.activate(code!), 'terminal.wrong_state')).message, /restricted/);
      assert.equal(await terminalStatus(server, t.terminalId), 'provisioned');
      assert.equal((await batchView(server, 'B-restr')).counts.issued, 1, 'the code was not touched');
    });

    test('a mistyped code is caught by the SDK before sending, and by the server if sent anyway', async () => {
      const [code] = await issueCodes(server, 'B-typo', 1);
      const t = await client('typo');
      // two neighbours swapped (or, when they are equal, one changed)
      const typo = code![0] !== code![1] ? code![1]! + code![0]! + code!.slice(2) : (code![0] === 'A' ? 'B' : 'A') + code!.slice(1);
      const before = (await events(server, 'activation.failed')).length;
      await refusedWith(t.activate(typo), 'activation.code_mistyped');
      assert.equal((await events(server, 'activation.failed')).length, before, 'nothing was sent');
      const sent = await refusedWith(t.request('POST', '/v1/activate', { body: { code: `${code!.slice(0, -1)}${code!.endsWith('0') ? '1' : '0'}` } }), 'activation.code_mistyped');
      assert.equal(sent.status, 400);
      await refusedWith(t.request('POST', '/v1/activate', { body: { code: 'not a code' } }), 'activation.code_malformed');
      assert.deepEqual((await events(server, 'activation.failed')).slice(0, 2).map((e) => e.detail['reason']), ['malformed', 'mistyped']);
      assert.equal((await t.activate(code!)).status, 'active', 'typing errors cost no attempt');
    });
  });

  describe(`activation needs a SIM binding by default (${backend})`, { skip: backend === 'shared' && !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, () => {
    let server: Awaited<ReturnType<typeof startBindingServer>>;
    before(async () => {
      server = await startBindingServer({ backend });
    });
    after(() => server.close());

    test('without facts or without a binding it is refused; after binding the SIM it succeeds', async () => {
      const [code] = await issueCodes(server, 'B-bind', 1);
      const [credential] = await provisionTerminals(server, ['T-bind-1']);
      const terminal = clientFor(server, credential!);
      const sim = new SimulatedSubscriberInfo(facts(7));
      const binding = new BindingClient({ client: terminal, subscriber: sim });
      await refusedWith(terminal.activate(code!), 'binding.facts_missing');
      await refusedWith(terminal.activate(code!, { facts: binding }), 'binding.required');
      assert.equal((await batchView(server, 'B-bind')).counts.issued, 1);
      await bind(server, { id: 'T-bind-1', client: terminal, sim, binding });
      const out = await terminal.activate(code!, { facts: binding });
      assert.equal(out.status, 'active');
      assert.equal(await terminalStatus(server, 'T-bind-1'), 'active');
    });
  });
}

describe('codes survive a master-key rotation', () => {
  test('a code hashed under kid 1 still activates on a server whose ring is 1,2; new codes use kid 2', async () => {
    const first = await startTestServer({ env: NO_BINDING });
    try {
      const [oldCode] = await issueCodes(first, 'B-kid1', 1);
      const creds = await provisionTerminals(first, ['T-rot-1', 'T-rot-2']);
      await first.app.close();
      const kid2 = `2:${randomBytes(32).toString('base64url')}`;
      const second = await startTestServer({ shareWith: first, env: { TESSERA_MASTER_KEY: `${first.env['TESSERA_MASTER_KEY']},${kid2}` } });
      try {
        assert.equal(second.config.masterKeys.current.kid, 2);
        const t1 = clientFor(second, creds[0]!);
        assert.equal((await t1.activate(oldCode!)).status, 'active');
        const [newCode] = await issueCodes(second, 'B-kid2', 1);
        const [issued] = await events(second, 'activation.batch_issued');
        assert.equal(issued?.detail['hashKid'], 2);
        assert.equal((await clientFor(second, creds[1]!).activate(newCode!)).status, 'active');
      } finally {
        await second.close();
      }
    } finally {
      await first.close().catch(() => {});
    }
  });
});
