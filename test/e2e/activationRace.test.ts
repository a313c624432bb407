// Activation races over real HTTP (SQLite + memory always, PostgreSQL + Redis when
// configured): 50 terminals spending one code at once — exactly one activates, 49 are told
// the code was used; one terminal spending two codes at once — it activates once and the
// other code stays issued for someone else.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { batchView, clientFor, issueCodes, provisionTerminals, terminalStatus } from './activationKit.ts';
import { events } from './bindingKit.ts';
import { type Backend, sharedAvailable, startTestServer, type TestServer } from './testServer.ts';

const RACERS = 50;

for (const backend of ['embedded', 'shared'] as Backend[]) {
  describe(`activation races (${backend})`, { skip: backend === 'shared' && !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, () => {
    let server: TestServer;
    before(async () => {
      // All racers share 127.0.0.1: the per-address lockout is raised so every loser is
      // answered on the merits (the throttle has its own tests).
      server = await startTestServer({ backend, env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false', TESSERA_ACTIVATION_SOURCE_MAX_FAILURES: '1000' } });
    });
    after(() => server.close());

    test(`${RACERS} concurrent activations with one code: exactly one succeeds`, async () => {
      const [code] = await issueCodes(server, `B-race-${backend}`, 1);
      const ids = Array.from({ length: RACERS }, (_, i) => `T-race-${backend}-${String(i).padStart(2, '0')}`);
      const clients = (await provisionTerminals(server, ids)).map((c) => clientFor(server, c));
      await Promise.all(clients.map((c) => c.login())); // sessions first, so the activations themselves race
      const results = await Promise.allSettled(clients.map((c) => c.request('POST', '/v1/activate', { body: { code } })));
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [ids[i]!] : []));
      assert.equal(won.length, 1, 'exactly one activation succeeds');
      for (const r of results) {
        if (r.status === 'rejected') assert.ok(isTesseraError(r.reason, 'activation.code_used'), String(r.reason));
      }
      const statuses = await Promise.all(ids.map((id) => terminalStatus(server, id)));
      assert.deepEqual(
        ids.filter((_, i) => statuses[i] === 'active'),
        won,
        'only the winner is active',
      );
      assert.deepEqual((await batchView(server, `B-race-${backend}`)).counts, { issued: 0, used: 1, revoked: 0, expired: 0 });
      const succeeded = await events(server, 'activation.succeeded', won[0]);
      assert.equal(succeeded.length, 1);
      const failed = (await events(server, 'activation.failed')).filter((e) => ids.includes(e.terminalId ?? ''));
      assert.equal(failed.length, RACERS - 1);
      assert.ok(failed.every((e) => e.detail['reason'] === 'used' && e.detail['usedBy'] === won[0]));
    });

    test('one terminal spending two codes at once activates once; the other code stays issued', async () => {
      const codes = await issueCodes(server, `B-pair-${backend}`, 2);
      const [credential, other] = await provisionTerminals(server, [`T-pair-${backend}`, `T-pair-next-${backend}`]);
      const t = clientFor(server, credential!);
      await t.login();
      const results = await Promise.allSettled(codes.map((code) => t.request('POST', '/v1/activate', { body: { code } })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      // The loser either reached the store after the winner (terminal.wrong_state, code untouched)
      // or had its session re-checked after the terminal became active (capability gone).
      assert.ok(isTesseraError(lost?.reason, 'terminal.wrong_state') || isTesseraError(lost?.reason, 'auth.capability_missing'), String(lost?.reason));
      assert.deepEqual((await batchView(server, `B-pair-${backend}`)).counts, { issued: 1, used: 1, revoked: 0, expired: 0 });
      const unused = codes[results.findIndex((r) => r.status === 'rejected')]!;
      assert.equal((await clientFor(server, other!).activate(unused)).status, 'active', 'the other code still works elsewhere');
    });
  });
}
