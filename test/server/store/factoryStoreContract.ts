// The factory cases of the durable conformance suite (called from durableStoreContract.ts, so
// every backend runs them): lots, bulk import that skips existing ids, and conditional
// lifecycle transitions that hold under concurrency.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import type { DurableStore, NewTerminal } from '../../../src/server/store/types.ts';

type WithStore = (fn: (h: { store: DurableStore }) => Promise<void>) => Promise<void>;

const T0 = new Date('2026-11-01T08:00:00.000Z');
const made = (id: string, lotId = 'L-1'): NewTerminal => ({ id, kid: 1, suites: ['hmac-sha256'], now: T0, status: 'provisioned', lotId, hwHash: `hw-${id}` });

/** Registers the factory cases inside a backend's describe block. */
export function factoryStoreContract(withStore: WithStore): void {
  test('lots: create, get, list; a duplicate id is lot.exists', () =>
    withStore(async ({ store }) => {
      const lot = await store.lots.create({ id: 'L-1', kid: 2, handshakeSuites: ['hmac-sm3'], aeadSuites: ['sm4-cbc+hmac-sm3', 'aes-256-gcm'], label: 'line 3', now: T0 });
      assert.deepEqual(lot, { id: 'L-1', kid: 2, handshakeSuites: ['hmac-sm3'], aeadSuites: ['sm4-cbc+hmac-sm3', 'aes-256-gcm'], label: 'line 3', createdAt: T0 });
      assert.deepEqual(await store.lots.get('L-1'), lot);
      assert.equal(await store.lots.get('L-2'), undefined);
      await assert.rejects(store.lots.create({ id: 'L-1', kid: 1, handshakeSuites: [], aeadSuites: [], now: T0 }), (e) => isTesseraError(e, 'lot.exists'));
      await store.lots.create({ id: 'L-0', kid: 1, handshakeSuites: [], aeadSuites: [], now: T0 });
      assert.deepEqual((await store.lots.list({ limit: 10 })).map((l) => l.id), ['L-0', 'L-1']);
      assert.deepEqual((await store.lots.list({ limit: 10, after: 'L-0' })).map((l) => l.id), ['L-1']);
    }));

  test('terminals: bulk import keeps lot and hardware hash, and skips ids that exist', () =>
    withStore(async ({ store }) => {
      const batch = Array.from({ length: 1203 }, (_, i) => made(`L-1-${String(i).padStart(6, '0')}`));
      assert.equal(await store.terminals.createMany(batch), 1203);
      assert.equal(await store.terminals.createMany([...batch.slice(0, 10), made('L-1-new')]), 1, 're-import inserts only the new id');
      const t = await store.terminals.get('L-1-000007');
      assert.equal(t?.status, 'provisioned');
      assert.equal(t?.lotId, 'L-1');
      assert.equal(t?.hwHash, 'hw-L-1-000007');
      assert.equal(await store.terminals.createMany([]), 0);
      const handMade = await store.terminals.create({ id: 'T-hand', kid: 1, suites: ['hmac-sha256'], now: T0 });
      assert.equal(handMade.lotId, null);
      assert.equal(handMade.hwHash, null);
      assert.equal(handMade.status, 'active');
    }));

  test('terminals: a transition happens only from the given states, once under 20 concurrent tries', () =>
    withStore(async ({ store }) => {
      await store.terminals.createMany([made('T-a')]);
      const later = new Date(T0.getTime() + 1000);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.terminals.transition('T-a', ['provisioned'], 'active', later)));
      assert.equal(results.filter(Boolean).length, 1);
      const t = await store.terminals.get('T-a');
      assert.equal(t?.status, 'active');
      assert.equal(t?.updatedAt.getTime(), later.getTime());
      assert.equal(await store.terminals.transition('T-a', ['provisioned'], 'active', later), undefined);
      assert.equal(await store.terminals.transition('nope', ['active'], 'revoked', later), undefined);
      const revoked = await store.terminals.transition('T-a', ['active', 'restricted'], 'revoked', later);
      assert.equal(revoked?.revokedAt?.getTime(), later.getTime());
    }));
}
