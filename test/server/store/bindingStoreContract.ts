// The binding cases of the durable conformance suite (called from durableStoreContract.ts,
// so every backend runs them): pending → active → suspended/ended, the one-active-binding
// invariants under 20 concurrent activations (also when the number was hashed under several
// key ids), one pending binding per terminal under concurrent registrations, and keyset listing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BindingHashes, DurableStore, NewBinding } from '../../../src/server/store/types.ts';

type WithStore = (fn: (h: { store: DurableStore }) => Promise<void>) => Promise<void>;

const T0 = new Date('2024-03-01T10:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const hashes = (n: string, sim = 'a'): BindingHashes => ({ msisdn: `m-${n}`, iccid: `i-${sim}`, imsi: `s-${sim}`, seSerial: `e-${sim}` });

function pending(id: string, terminalId: string, over: Partial<NewBinding> = {}): NewBinding {
  return { id, terminalId, appId: 'wallet', hashKid: 1, hashes: hashes('1'), msisdnLast4: '0123', expiresAt: at(300), now: T0, ...over };
}

const activation = (s: number, over: { exclusive?: boolean; msisdnHashes?: string[]; cooldownUntil?: Date | null } = {}) => ({
  now: at(s),
  exclusive: over.exclusive ?? true,
  msisdnHashes: over.msisdnHashes ?? [],
  cooldownUntil: over.cooldownUntil ?? null,
});

/** Registers the binding cases inside a backend's describe block. */
export function bindingStoreContract(withStore: WithStore): void {
  test('bindings: a pending binding round-trips and supersedes the terminal\'s earlier pending one', () =>
    withStore(async ({ store }) => {
      const first = await store.bindings.createPending(pending('B0001', 'T-1'));
      assert.deepEqual(await store.bindings.get('B0001'), first);
      assert.deepEqual(first, {
        id: 'B0001', terminalId: 'T-1', appId: 'wallet', hashKid: 1, hashes: hashes('1'), msisdnLast4: '0123', status: 'pending',
        exclusive: false, reason: null, createdAt: T0, updatedAt: T0, verifiedAt: null, endedAt: null, cooldownUntil: null, expiresAt: at(300),
      });
      await store.bindings.createPending(pending('B0002', 'T-1', { now: at(5) }));
      const old = await store.bindings.get('B0001');
      assert.equal(old?.status, 'ended');
      assert.equal(old?.reason, 'superseded');
      assert.equal(old?.endedAt?.getTime(), at(5).getTime());
      assert.equal((await store.bindings.get('B0002'))?.status, 'pending');
      assert.equal(await store.bindings.get('B9999'), undefined);
      assert.equal(await store.bindings.current('T-1'), undefined, 'pending is not current');
    }));

  test('bindings: activation sets verifiedAt and cool-down, once, and ends the terminal\'s other bindings', () =>
    withStore(async ({ store }) => {
      await store.bindings.createPending(pending('B0001', 'T-1'));
      const a = await store.bindings.activate('B0001', activation(10, { cooldownUntil: at(86400) }));
      assert.equal(a?.binding.status, 'active');
      assert.equal(a?.binding.exclusive, true);
      assert.equal(a?.binding.verifiedAt?.getTime(), at(10).getTime());
      assert.equal(a?.binding.cooldownUntil?.getTime(), at(86400).getTime());
      assert.equal(a?.binding.expiresAt, null);
      assert.deepEqual(a?.ended, []);
      assert.equal(await store.bindings.activate('B0001', activation(11)), undefined, 'an active binding cannot be activated again');
      assert.equal((await store.bindings.current('T-1'))?.id, 'B0001');

      await store.bindings.createPending(pending('B0002', 'T-1', { hashes: hashes('2'), now: at(20) }));
      const b = await store.bindings.activate('B0002', activation(21));
      assert.deepEqual(b?.ended.map((e) => [e.id, e.status, e.reason]), [['B0001', 'ended', 'superseded']]);
      assert.equal((await store.bindings.current('T-1'))?.id, 'B0002');
      assert.equal(await store.bindings.activate('B9999', activation(22)), undefined);
    }));

  test('bindings: an exclusive number moves to the new terminal and ends the old binding, whatever its hash kid', () =>
    withStore(async ({ store }) => {
      await store.bindings.createPending(pending('B0001', 'T-old', { hashKid: 1, hashes: { ...hashes('1'), msisdn: 'kid1-hash' } }));
      await store.bindings.activate('B0001', activation(1));
      await store.bindings.createPending(pending('B0002', 'T-new', { hashKid: 2, hashes: { ...hashes('1'), msisdn: 'kid2-hash' } }));
      const moved = await store.bindings.activate('B0002', activation(2, { msisdnHashes: ['kid1-hash', 'kid2-hash'] }));
      assert.deepEqual(moved?.ended.map((e) => [e.id, e.reason]), [['B0001', 'replaced']]);
      assert.equal(await store.bindings.current('T-old'), undefined);
      assert.equal((await store.bindings.current('T-new'))?.id, 'B0002');
    }));

  test('bindings: without exclusivity one number may be active on several terminals and in several apps', () =>
    withStore(async ({ store }) => {
      await store.bindings.createPending(pending('B0001', 'T-1'));
      await store.bindings.createPending(pending('B0002', 'T-2'));
      await store.bindings.createPending(pending('B0003', 'T-3', { appId: 'bank' }));
      await store.bindings.activate('B0001', activation(1, { exclusive: false }));
      assert.deepEqual((await store.bindings.activate('B0002', activation(2, { exclusive: false })))?.ended, []);
      assert.deepEqual((await store.bindings.activate('B0003', activation(3)))?.ended, [], 'other apps are not touched');
      assert.equal((await store.bindings.list({ status: 'active', limit: 10 })).length, 3);
    }));

  test('bindings: 20 concurrent activations of one number leave exactly one active', () =>
    withStore(async ({ store }) => {
      const ids = Array.from({ length: 20 }, (_, i) => `B${String(i).padStart(4, '0')}`);
      for (const [i, id] of ids.entries()) await store.bindings.createPending(pending(id, `T-${i}`));
      const results = await Promise.all(ids.map((id, i) => store.bindings.activate(id, activation(i))));
      assert.ok(results.every((r) => r?.binding.status === 'active'), 'each activation succeeds in its turn');
      const active = await store.bindings.list({ status: 'active', limit: 100 });
      assert.equal(active.length, 1);
      const ended = await store.bindings.list({ status: 'ended', limit: 100 });
      assert.equal(ended.length, 19);
      assert.ok(ended.every((b) => b.reason === 'replaced'));
      assert.equal(results.reduce((n, r) => n + (r?.ended.length ?? 0), 0), 19, 'every ending is reported once');
    }));

  // The unique index cannot see this: each binding's number hash is keyed under its own kid, so
  // the index keys differ; only the store's serialization per number keeps one active.
  test('bindings: concurrent activations of one number hashed under different kids leave exactly one active', () =>
    withStore(async ({ store }) => {
      const kids = [1, 2, 3];
      for (let round = 0; round < 5; round++) {
        const numberHashes = kids.map((kid) => `r${round}-kid${kid}-hash`);
        const ids = Array.from({ length: 6 }, (_, i) => `B${round}${String(i).padStart(3, '0')}`);
        for (const [i, id] of ids.entries()) {
          const kid = kids[i % kids.length]!;
          await store.bindings.createPending(pending(id, `T-${round}-${i}`, { hashKid: kid, hashes: { ...hashes('1'), msisdn: numberHashes[kid - 1]! } }));
        }
        const results = await Promise.all(ids.map((id, i) => store.bindings.activate(id, activation(i, { msisdnHashes: numberHashes }))));
        assert.ok(results.every((r) => r?.binding.status === 'active'), 'each activation succeeds in its turn');
        const active = await store.bindings.list({ status: 'active', msisdnHashes: numberHashes, limit: 100 });
        assert.equal(active.length, 1, `round ${round}: active under kids ${active.map((b) => b.hashKid).join(', ')}`);
        const ended = await store.bindings.list({ status: 'ended', msisdnHashes: numberHashes, limit: 100 });
        assert.deepEqual(ended.map((b) => b.reason), Array(5).fill('replaced'));
        assert.equal(results.reduce((n, r) => n + (r?.ended.length ?? 0), 0), 5, 'every ending is reported once');
      }
    }));

  test('bindings: 10 concurrent registrations of one terminal leave one pending, the others superseded', () =>
    withStore(async ({ store }) => {
      for (let round = 0; round < 3; round++) {
        const ids = Array.from({ length: 10 }, (_, i) => `B${round}${String(i).padStart(3, '0')}`);
        await Promise.all(ids.map((id, i) => store.bindings.createPending(pending(id, `T-${round}`, { now: at(i) }))));
        const pendingNow = await store.bindings.list({ terminalId: `T-${round}`, status: 'pending', limit: 100 });
        assert.equal(pendingNow.length, 1, `round ${round}: pending ${pendingNow.map((b) => b.id).join(', ')}`);
        const ended = await store.bindings.list({ terminalId: `T-${round}`, status: 'ended', limit: 100 });
        assert.deepEqual(ended.map((b) => b.reason), Array(9).fill('superseded'));
      }
    }));

  test('bindings: 20 concurrent activations of one pending binding succeed once', () =>
    withStore(async ({ store }) => {
      await store.bindings.createPending(pending('B0001', 'T-1'));
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.bindings.activate('B0001', activation(i))));
      assert.equal(results.filter((r) => r !== undefined).length, 1);
    }));

  test('bindings: transitions are conditional and record reason and end time', () =>
    withStore(async ({ store }) => {
      await store.bindings.createPending(pending('B0001', 'T-1'));
      await store.bindings.activate('B0001', activation(1));
      const s = await store.bindings.transition('B0001', ['active'], 'suspended', 'sim_changed', at(5));
      assert.deepEqual([s?.status, s?.reason, s?.endedAt, s?.updatedAt.getTime()], ['suspended', 'sim_changed', null, at(5).getTime()]);
      assert.equal((await store.bindings.current('T-1'))?.status, 'suspended', 'a suspended binding stays current');
      assert.equal(await store.bindings.transition('B0001', ['active'], 'suspended', 'admin', at(6)), undefined);
      const e = await store.bindings.transition('B0001', ['active', 'suspended'], 'ended', 'released', at(7));
      assert.deepEqual([e?.status, e?.reason, e?.endedAt?.getTime()], ['ended', 'released', at(7).getTime()]);
      assert.equal(await store.bindings.current('T-1'), undefined);
      assert.equal(await store.bindings.transition('B0001', [], 'ended', 'x', at(8)), undefined);
      assert.equal(await store.bindings.transition('B9999', ['active'], 'ended', 'x', at(8)), undefined);
    }));

  test('bindings: list filters and pages newest first', () =>
    withStore(async ({ store }) => {
      for (let i = 0; i < 7; i++) {
        await store.bindings.createPending(pending(`B000${i}`, `T-${i % 3}`, { appId: i < 5 ? 'wallet' : 'bank', hashes: hashes(String(i % 2)) }));
      }
      const seen: string[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await store.bindings.list({ limit: 3, ...(before === undefined ? {} : { before }) });
        if (page.length === 0) break;
        seen.push(...page.map((b) => b.id));
        before = page.at(-1)?.id;
      }
      assert.deepEqual(seen, ['B0006', 'B0005', 'B0004', 'B0003', 'B0002', 'B0001', 'B0000']);
      const ids = async (q: Parameters<DurableStore['bindings']['list']>[0]) => (await store.bindings.list(q)).map((b) => b.id);
      assert.deepEqual(await ids({ terminalId: 'T-1', limit: 10 }), ['B0004', 'B0001'], 'the ended earlier binding is still listed');
      assert.deepEqual(await ids({ appId: 'bank', limit: 10 }), ['B0006', 'B0005']);
      assert.deepEqual(await ids({ msisdnHashes: ['m-1'], limit: 10 }), ['B0005', 'B0003', 'B0001']);
      assert.deepEqual(await ids({ msisdnHashes: [], limit: 10 }), []);
      assert.deepEqual(await ids({ status: 'ended', limit: 10 }), ['B0003', 'B0002', 'B0001', 'B0000']);
      assert.deepEqual(await ids({ limit: 0 }), []);
    }));
}
