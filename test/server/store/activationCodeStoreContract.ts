// The activation-code cases of the durable conformance suite (called from
// durableStoreContract.ts, so every backend runs them): batches all-or-nothing, counts by
// status with expiry derived from time, revocation by batch, and redemption that consumes a
// code exactly once and never without activating the terminal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import type { DurableStore, NewCodeBatch, NewTerminal } from '../../../src/server/store/types.ts';

type WithStore = (fn: (h: { store: DurableStore }) => Promise<void>) => Promise<void>;

const T0 = new Date('2026-11-01T08:00:00.000Z');
const DAY = 86_400_000;
const at = (ms: number) => new Date(T0.getTime() + ms);
const hashes = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
const batch = (id: string, n: number, over: Partial<NewCodeBatch> = {}): NewCodeBatch => ({ id, product: 'basic-12m', expiresAt: at(30 * DAY), now: T0, hashes: hashes(id, n), hashKid: 1, ...over });
const provisioned = (id: string): NewTerminal => ({ id, kid: 1, suites: ['hmac-sha256'], now: T0, status: 'provisioned' });

/** Registers the activation-code cases inside a backend's describe block. */
export function activationCodeStoreContract(withStore: WithStore): void {
  test('activation codes: a batch is stored with its hashes; a duplicate batch is activation.batch_exists and adds nothing', () =>
    withStore(async ({ store }) => {
      const b = await store.activationCodes.createBatch(batch('B-1', 2345));
      assert.deepEqual(b, { id: 'B-1', product: 'basic-12m', count: 2345, expiresAt: at(30 * DAY), createdAt: T0, revokedAt: null });
      const code = await store.activationCodes.find(['nope', 'B-1-000017']);
      assert.deepEqual(code, {
        hash: 'B-1-000017',
        hashKid: 1,
        batchId: 'B-1',
        product: 'basic-12m',
        status: 'issued',
        expiresAt: at(30 * DAY),
        createdAt: T0,
        usedBy: null,
        usedAt: null,
        revokedAt: null,
      });
      await assert.rejects(store.activationCodes.createBatch(batch('B-1', 3, { hashes: ['x-1', 'x-2', 'x-3'] })), (e) => isTesseraError(e, 'activation.batch_exists'));
      assert.equal(await store.activationCodes.find(['x-1']), undefined, 'nothing of the refused batch was inserted');
      const summary = await store.activationCodes.getBatch('B-1', T0);
      assert.deepEqual(summary?.counts, { issued: 2345, used: 0, revoked: 0, expired: 0 });
      assert.equal(await store.activationCodes.getBatch('B-2', T0), undefined);
    }));

  test('activation codes: a batch whose hashes collide with another batch is rolled back whole', () =>
    withStore(async ({ store }) => {
      await store.activationCodes.createBatch(batch('B-a', 3));
      await assert.rejects(store.activationCodes.createBatch(batch('B-b', 3, { hashes: ['new-1', 'B-a-000001'] })));
      assert.equal(await store.activationCodes.getBatch('B-b', T0), undefined);
      assert.equal(await store.activationCodes.find(['new-1']), undefined);
    }));

  test('activation codes: redeem consumes the code, binds it to the terminal and activates the terminal', () =>
    withStore(async ({ store }) => {
      await store.activationCodes.createBatch(batch('B-r', 3));
      await store.terminals.createMany([provisioned('T-1'), provisioned('T-2')]);
      const later = at(1000);
      const won = await store.activationCodes.redeem({ hashes: ['other-kid', 'B-r-000001'], terminalId: 'T-1', now: later });
      assert.ok(won.ok);
      assert.equal(won.code.status, 'used');
      assert.equal(won.code.usedBy, 'T-1');
      assert.equal(won.code.usedAt?.getTime(), later.getTime());
      assert.equal(won.code.product, 'basic-12m');
      assert.equal(won.terminal.status, 'active');
      assert.equal((await store.terminals.get('T-1'))?.status, 'active');
      assert.deepEqual(await store.activationCodes.redeem({ hashes: ['B-r-000001'], terminalId: 'T-2', now: later }), { ok: false, reason: 'used', code: won.code });
      assert.deepEqual(await store.activationCodes.redeem({ hashes: ['B-r-999999'], terminalId: 'T-2', now: later }), { ok: false, reason: 'unknown' });
      assert.deepEqual(await store.activationCodes.redeem({ hashes: [], terminalId: 'T-2', now: later }), { ok: false, reason: 'unknown' });
      assert.equal((await store.terminals.get('T-2'))?.status, 'provisioned', 'a refused code leaves the terminal provisioned');
      assert.deepEqual((await store.activationCodes.getBatch('B-r', later))?.counts, { issued: 2, used: 1, revoked: 0, expired: 0 });
    }));

  test('activation codes: the redemptions of a batch list its spent codes by terminal id, paged, and nothing of other batches', () =>
    withStore(async ({ store }) => {
      await store.activationCodes.createBatch(batch('B-l', 4));
      await store.activationCodes.createBatch(batch('B-m', 1));
      await store.terminals.createMany(['T-c', 'T-a', 'T-b', 'T-z'].map(provisioned));
      await store.activationCodes.redeem({ hashes: ['B-l-000000'], terminalId: 'T-c', now: at(3) });
      await store.activationCodes.redeem({ hashes: ['B-l-000002'], terminalId: 'T-a', now: at(1) });
      await store.activationCodes.redeem({ hashes: ['B-l-000003'], terminalId: 'T-b', now: at(2) });
      await store.activationCodes.redeem({ hashes: ['B-m-000000'], terminalId: 'T-z', now: at(4) });
      await store.activationCodes.revokeBatch('B-l', at(5));
      const all = await store.activationCodes.listRedemptions('B-l', { limit: 10 });
      assert.deepEqual(all, [
        { terminalId: 'T-a', usedAt: at(1) },
        { terminalId: 'T-b', usedAt: at(2) },
        { terminalId: 'T-c', usedAt: at(3) },
      ]);
      assert.deepEqual(await store.activationCodes.listRedemptions('B-l', { limit: 2 }), all.slice(0, 2));
      assert.deepEqual(await store.activationCodes.listRedemptions('B-l', { limit: 2, after: 'T-b' }), all.slice(2));
      assert.deepEqual(await store.activationCodes.listRedemptions('B-none', { limit: 10 }), []);
    }));

  test('activation codes: a terminal that is not provisioned gets terminal_state, whatever the code, and the code stays issued', () =>
    withStore(async ({ store }) => {
      await store.activationCodes.createBatch(batch('B-s', 2));
      await store.terminals.createMany([provisioned('T-p'), { ...provisioned('T-act'), status: 'active' }]);
      await store.terminals.transition('T-p', ['provisioned'], 'restricted', T0);
      for (const [terminalId, status] of [['T-p', 'restricted'], ['T-act', 'active'], ['T-none', null]] as const) {
        const unknown = await store.activationCodes.redeem({ hashes: ['no-such-code'], terminalId, now: at(5) });
        assert.ok(!unknown.ok && unknown.reason === 'terminal_state', 'an unknown code answers the same: no oracle');
        const r = await store.activationCodes.redeem({ hashes: ['B-s-000000'], terminalId, now: at(5) });
        assert.ok(!r.ok && r.reason === 'terminal_state', JSON.stringify(r));
        assert.equal(r.terminalStatus, status);
      }
      const code = await store.activationCodes.find(['B-s-000000']);
      assert.equal(code?.status, 'issued');
      assert.equal(code?.usedBy, null);
      await store.terminals.createMany([provisioned('T-ok')]);
      assert.ok((await store.activationCodes.redeem({ hashes: ['B-s-000000'], terminalId: 'T-ok', now: at(6) })).ok, 'the code still works');
    }));

  test('activation codes: expiry is by time; revocation by batch; neither can be redeemed', () =>
    withStore(async ({ store }) => {
      await store.activationCodes.createBatch(batch('B-e', 4, { expiresAt: at(DAY) }));
      await store.activationCodes.createBatch(batch('B-v', 5));
      await store.terminals.createMany([provisioned('T-e'), provisioned('T-v')]);
      assert.ok((await store.activationCodes.redeem({ hashes: ['B-e-000000'], terminalId: 'T-e', now: at(DAY - 1) })).ok);
      await store.terminals.createMany([provisioned('T-e2')]);
      const expired = await store.activationCodes.redeem({ hashes: ['B-e-000001'], terminalId: 'T-e2', now: at(DAY) });
      assert.equal(expired.ok ? 'ok' : expired.reason, 'expired', 'expiresAt itself is past');
      assert.deepEqual((await store.activationCodes.getBatch('B-e', at(DAY)))?.counts, { issued: 0, used: 1, revoked: 0, expired: 3 });
      assert.deepEqual((await store.activationCodes.getBatch('B-e', at(DAY - 1)))?.counts, { issued: 3, used: 1, revoked: 0, expired: 0 });

      assert.ok((await store.activationCodes.redeem({ hashes: ['B-v-000004'], terminalId: 'T-v', now: at(1) })).ok);
      assert.equal(await store.activationCodes.revokeBatch('B-v', at(2)), 4);
      assert.equal(await store.activationCodes.revokeBatch('B-v', at(3)), 0, 'a second revocation changes nothing');
      assert.equal(await store.activationCodes.revokeBatch('B-none', at(3)), undefined);
      const summary = await store.activationCodes.getBatch('B-v', at(4));
      assert.deepEqual(summary?.counts, { issued: 0, used: 1, revoked: 4, expired: 0 });
      assert.equal(summary?.revokedAt?.getTime(), at(2).getTime(), 'the first revocation time is kept');
      await store.terminals.createMany([provisioned('T-v2')]);
      const revoked = await store.activationCodes.redeem({ hashes: ['B-v-000000'], terminalId: 'T-v2', now: at(5) });
      assert.equal(revoked.ok ? 'ok' : revoked.reason, 'revoked');
      assert.equal((await store.activationCodes.find(['B-v-000000']))?.revokedAt?.getTime(), at(2).getTime());
      assert.equal((await store.activationCodes.find(['B-v-000004']))?.status, 'used', 'a used code stays used');
    }));

  test('activation codes: list pages batches by id with their counts', () =>
    withStore(async ({ store }) => {
      for (const id of ['B-c', 'B-a', 'B-b']) await store.activationCodes.createBatch(batch(id, 2));
      const first = await store.activationCodes.listBatches({ limit: 2, now: T0 });
      assert.deepEqual(
        first.map((b) => [b.id, b.counts.issued]),
        [
          ['B-a', 2],
          ['B-b', 2],
        ],
      );
      assert.deepEqual(
        (await store.activationCodes.listBatches({ limit: 2, after: 'B-b', now: T0 })).map((b) => b.id),
        ['B-c'],
      );
      assert.deepEqual(await store.activationCodes.listBatches({ limit: 0, now: T0 }), []);
    }));

  test('activation codes: 30 concurrent redemptions of one code by 30 terminals: exactly one wins', () =>
    withStore(async ({ store }) => {
      await store.activationCodes.createBatch(batch('B-race', 1));
      const ids = Array.from({ length: 30 }, (_, i) => `T-race-${i}`);
      await store.terminals.createMany(ids.map(provisioned));
      const results = await Promise.all(ids.map((terminalId) => store.activationCodes.redeem({ hashes: ['B-race-000000'], terminalId, now: at(1) })));
      const won = results.filter((r) => r.ok);
      assert.equal(won.length, 1);
      assert.ok(results.every((r) => r.ok || r.reason === 'used'));
      const active = await store.terminals.list({ status: 'active', limit: 100 });
      assert.deepEqual(
        active.map((t) => t.id),
        [won[0]!.terminal.id],
      );
      assert.equal((await store.activationCodes.find(['B-race-000000']))?.usedBy, won[0]!.terminal.id);
    }));

  test('activation codes: one terminal racing two codes activates once and spends only one code', () =>
    withStore(async ({ store }) => {
      await store.activationCodes.createBatch(batch('B-two', 2));
      await store.terminals.createMany([provisioned('T-two')]);
      const results = await Promise.all(['B-two-000000', 'B-two-000001'].map((h) => store.activationCodes.redeem({ hashes: [h], terminalId: 'T-two', now: at(1) })));
      assert.equal(results.filter((r) => r.ok).length, 1);
      assert.ok(results.some((r) => !r.ok && r.reason === 'terminal_state'));
      assert.deepEqual((await store.activationCodes.getBatch('B-two', at(1)))?.counts, { issued: 1, used: 1, revoked: 0, expired: 0 });
    }));
}
