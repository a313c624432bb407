// The conformance suite every DurableStore backend passes (SQLite, PostgreSQL, …). A
// backend's test file calls durableStoreContract with a function that opens a fresh,
// isolated store and cleans it up afterwards.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import type { DurableStore, NewTerminal } from '../../../src/server/store/types.ts';
import { activationCodeStoreContract } from './activationCodeStoreContract.ts';
import { bindingStoreContract } from './bindingStoreContract.ts';
import { factoryStoreContract } from './factoryStoreContract.ts';
import { updateStoreContract } from './updateStoreContract.ts';

/** What a backend hands the suite: an empty, migrated store and how to dispose of it. */
export interface DurableStoreHarness {
  store: DurableStore;
  /** Closes the store and removes whatever it created (files, schema). */
  cleanup: () => Promise<void>;
  /** Runs the migrations again on the same database; returns the names applied. */
  migrate?: () => Promise<string[]>;
}

/** Options of {@link durableStoreContract}. */
export interface DurableStoreContractOptions {
  /** Skip the whole suite, with the reason reported. */
  skip?: string | false;
}

const T0 = new Date('2024-02-29T23:59:58.123Z');

function terminal(id: string, over: Partial<NewTerminal> = {}): NewTerminal {
  return { id, kid: 1, suites: ['hmac-sha256'], now: T0, ...over };
}

function isCode(code: 'terminal.exists') {
  return (err: unknown) => isTesseraError(err, code);
}

/**
 * Registers the durable-store conformance suite for one backend.
 * @example durableStoreContract('SQLite', async () => ({ store, cleanup }))
 */
export function durableStoreContract(
  name: string,
  open: () => Promise<DurableStoreHarness>,
  options: DurableStoreContractOptions = {},
): void {
  async function withStore(fn: (h: DurableStoreHarness) => Promise<void>): Promise<void> {
    const h = await open();
    try {
      await fn(h);
    } finally {
      await h.cleanup();
    }
  }

  describe(`DurableStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    test('ping answers', () => withStore(({ store }) => store.ping()));

    test('create and get round-trip exactly', () =>
      withStore(async ({ store }) => {
        const created = await store.terminals.create(
          terminal('T-0001', { kid: 7, suites: ['hmac-sha256', 'ocra-sha1'], label: 'Kiosk — hall B ✓' }),
        );
        const got = await store.terminals.get('T-0001');
        assert.deepEqual(got, created);
        assert.deepEqual(got, {
          id: 'T-0001',
          kid: 7,
          status: 'active',
          suites: ['hmac-sha256', 'ocra-sha1'],
          label: 'Kiosk — hall B ✓',
          createdAt: T0,
          updatedAt: T0,
          revokedAt: null,
          lotId: null,
          hwHash: null,
          restrictedFrom: null,
        });
        assert.ok(got?.createdAt instanceof Date);
        assert.equal(got?.createdAt.getTime(), T0.getTime());

        await store.terminals.create(terminal('T-0002', { suites: [], now: new Date(1) }));
        const bare = await store.terminals.get('T-0002');
        assert.equal(bare?.label, null);
        assert.deepEqual(bare?.suites, []);
        assert.equal(bare?.createdAt.getTime(), 1);
        await store.terminals.create(terminal('T-0003', { label: null }));
        assert.equal((await store.terminals.get('T-0003'))?.label, null);

        assert.equal(await store.terminals.get('T-9999'), undefined);
        assert.equal(await store.terminals.get('t-0001'), undefined, 'ids are case-sensitive');
      }));

    test('a duplicate id is refused with terminal.exists', () =>
      withStore(async ({ store }) => {
        const first = await store.terminals.create(terminal('T-dup', { kid: 1 }));
        await assert.rejects(store.terminals.create(terminal('T-dup', { kid: 2 })), isCode('terminal.exists'));
        assert.deepEqual(await store.terminals.get('T-dup'), first);
      }));

    test('20 concurrent creates of one id: exactly one succeeds', () =>
      withStore(async ({ store }) => {
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => store.terminals.create(terminal('T-race', { kid: i + 1 }))),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1);
        assert.equal(lost.length, 19);
        for (const r of lost) assert.ok(isTesseraError(r.reason, 'terminal.exists'), String(r.reason));
        assert.equal((await store.terminals.get('T-race'))?.kid, won[0]?.value.kid);
      }));

    test('list pages through all terminals in id order', () =>
      withStore(async ({ store }) => {
        const ids = ['T-0010', 'T-0002', 'a-1', 'B-2', 'T-0001', 'T-01', 'T-0002x', '0', 'Z', 'b'];
        for (const id of ids) await store.terminals.create(terminal(id));
        const sorted = [...ids].sort(); // byte order for ASCII ids
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.terminals.list({ limit: 3, ...(after === undefined ? {} : { after }) });
          assert.ok(page.length <= 3);
          if (page.length === 0) break;
          seen.push(...page.map((t) => t.id));
          after = page.at(-1)?.id;
        }
        assert.deepEqual(seen, sorted);
        assert.deepEqual(await store.terminals.list({ limit: 0 }), []);
        assert.deepEqual(
          (await store.terminals.list({ limit: 100, after: 'T-0002' })).map((t) => t.id),
          sorted.filter((id) => id > 'T-0002'),
        );
      }));

    test('list filters by status, with pagination', () =>
      withStore(async ({ store }) => {
        for (let i = 0; i < 9; i++) await store.terminals.create(terminal(`T-${i}`));
        for (const i of [1, 4, 5, 8]) await store.terminals.setStatus(`T-${i}`, 'revoked', T0);
        const revoked = await store.terminals.list({ status: 'revoked', limit: 3 });
        assert.deepEqual(
          revoked.map((t) => t.id),
          ['T-1', 'T-4', 'T-5'],
        );
        const rest = await store.terminals.list({ status: 'revoked', limit: 3, after: 'T-5' });
        assert.deepEqual(
          rest.map((t) => t.id),
          ['T-8'],
        );
        const active = await store.terminals.list({ status: 'active', limit: 100 });
        assert.deepEqual(
          active.map((t) => t.id),
          ['T-0', 'T-2', 'T-3', 'T-6', 'T-7'],
        );
        assert.ok(active.every((t) => t.status === 'active'));
      }));

    test('setStatus updates status, updatedAt and revokedAt', () =>
      withStore(async ({ store }) => {
        const created = await store.terminals.create(terminal('T-s'));
        const t1 = new Date(T0.getTime() + 1001);
        const revoked = await store.terminals.setStatus('T-s', 'revoked', t1);
        assert.deepEqual(revoked, { ...created, status: 'revoked', updatedAt: t1, revokedAt: t1 });
        assert.deepEqual(await store.terminals.get('T-s'), revoked);

        const t2 = new Date(t1.getTime() + 5);
        const again = await store.terminals.setStatus('T-s', 'revoked', t2);
        assert.equal(again?.revokedAt?.getTime(), t1.getTime(), 'first revocation time is kept');
        assert.equal(again?.updatedAt.getTime(), t2.getTime());

        const t3 = new Date(t2.getTime() + 5);
        const active = await store.terminals.setStatus('T-s', 'active', t3);
        assert.deepEqual(active, { ...created, status: 'active', updatedAt: t3, revokedAt: null });

        assert.equal(await store.terminals.setStatus('T-none', 'revoked', t3), undefined);
        assert.equal(await store.terminals.get('T-none'), undefined);
      }));

    test('createMany keeps each record its own time and suites, shared objects or not, and refuses an invalid time', () =>
      withStore(async ({ store }) => {
        const shared = ['hmac-sha256'];
        const later = new Date(T0.getTime() + 60_000);
        await store.terminals.createMany([
          terminal('T-m1', { suites: shared }),
          terminal('T-m2', { suites: shared }),
          terminal('T-m3', { now: later, suites: ['hmac-sm3', 'hmac-sha256'] }),
          terminal('T-m4', { now: new Date(T0.getTime()), suites: shared }),
        ]);
        const got = await Promise.all(['T-m1', 'T-m2', 'T-m3', 'T-m4'].map((id) => store.terminals.get(id)));
        assert.deepEqual(
          got.map((t) => [t?.createdAt.getTime(), t?.suites]),
          [
            [T0.getTime(), ['hmac-sha256']],
            [T0.getTime(), ['hmac-sha256']],
            [later.getTime(), ['hmac-sm3', 'hmac-sha256']],
            [T0.getTime(), ['hmac-sha256']],
          ],
        );
        await assert.rejects(store.terminals.createMany([terminal('T-bad', { now: new Date(Number.NaN) })]), RangeError);
        await assert.rejects(store.terminals.createMany([terminal('T-bad', { now: undefined as unknown as Date })]), RangeError);
        assert.equal(await store.terminals.get('T-bad'), undefined);
      }));

    test('restricting remembers the state it left, until the terminal moves on', () =>
      withStore(async ({ store }) => {
        await store.terminals.createMany([{ ...terminal('T-p'), status: 'provisioned' }, terminal('T-a')]);
        const t1 = new Date(T0.getTime() + 1000);
        assert.equal((await store.terminals.transition('T-p', ['provisioned', 'active'], 'restricted', t1))?.restrictedFrom, 'provisioned');
        assert.equal((await store.terminals.transition('T-a', ['provisioned', 'active'], 'restricted', t1))?.restrictedFrom, 'active');
        assert.equal((await store.terminals.setStatus('T-p', 'restricted', t1))?.restrictedFrom, 'provisioned', 'restricting again keeps it');
        assert.equal((await store.terminals.get('T-p'))?.restrictedFrom, 'provisioned');
        const t2 = new Date(t1.getTime() + 1000);
        const back = await store.terminals.restore('T-p', t2);
        assert.deepEqual([back?.status, back?.restrictedFrom, back?.updatedAt.getTime()], ['provisioned', null, t2.getTime()]);
        assert.equal(await store.terminals.restore('T-p', t2), undefined, 'not restricted any more');
        assert.equal((await store.terminals.restore('T-a', t2))?.status, 'active');
        assert.equal(await store.terminals.restore('T-none', t2), undefined);
        await store.terminals.transition('T-a', ['active'], 'restricted', t2);
        assert.equal((await store.terminals.setStatus('T-a', 'revoked', t2))?.restrictedFrom, null, 'revoking forgets it');
        assert.equal(await store.terminals.restore('T-a', t2), undefined, 'a revoked terminal is not restored');
      }));

    test('events round-trip and list newest first', () =>
      withStore(async ({ store }) => {
        const at = (s: number) => new Date(T0.getTime() + s * 1000);
        const appended = [];
        // Appended out of time order: listing follows `at`, not insertion.
        for (const s of [3, 1, 4, 2, 5]) {
          appended.push(
            await store.events.append({
              at: at(s),
              type: s % 2 ? 'auth.refused' : 'auth.ok',
              terminalId: s === 5 ? null : `T-${s % 2}`,
              source: s === 4 ? null : '203.0.113.7',
              detail: { s, nested: { list: [1, 'two', null], flag: true }, text: 'é✓' },
            }),
          );
        }
        assert.equal(new Set(appended.map((e) => e.id)).size, 5);
        const all = await store.events.list({ limit: 100 });
        assert.deepEqual(
          all.map((e) => e.at.getTime()),
          [5, 4, 3, 2, 1].map((s) => at(s).getTime()),
        );
        const three = appended[0];
        assert.deepEqual(
          all.find((e) => e.id === three?.id),
          three,
        );
        assert.deepEqual(three?.detail, { s: 3, nested: { list: [1, 'two', null], flag: true }, text: 'é✓' });
        assert.equal(all[0]?.terminalId, null);
        assert.equal(all[1]?.source, null);

        const byTerminal = await store.events.list({ terminalId: 'T-1', limit: 100 });
        assert.deepEqual(
          byTerminal.map((e) => e.detail['s']),
          [3, 1],
        );
        const byType = await store.events.list({ type: 'auth.ok', limit: 100 });
        assert.deepEqual(
          byType.map((e) => e.detail['s']),
          [4, 2],
        );
        const both = await store.events.list({ type: 'auth.refused', terminalId: 'T-1', limit: 1 });
        assert.deepEqual(
          both.map((e) => e.detail['s']),
          [3],
        );
        const next = await store.events.list({ type: 'auth.refused', terminalId: 'T-1', limit: 1, before: both[0]?.id });
        assert.deepEqual(
          next.map((e) => e.detail['s']),
          [1],
        );
      }));

    test('events page with before; same-millisecond events keep append order', () =>
      withStore(async ({ store }) => {
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) {
          ids.push((await store.events.append({ at: T0, type: 'x', terminalId: null, source: null, detail: { i } })).id);
        }
        const seen: number[] = [];
        let before: string | undefined;
        for (;;) {
          const page = await store.events.list({ limit: 3, ...(before === undefined ? {} : { before }) });
          if (page.length === 0) break;
          seen.push(...page.map((e) => e.detail['i'] as number));
          before = page.at(-1)?.id;
        }
        assert.deepEqual(seen, [6, 5, 4, 3, 2, 1, 0]);
        assert.deepEqual(await store.events.list({ limit: 0 }), []);
      }));

    test('meta: putIfAbsent keeps the first value; get reads it', () =>
      withStore(async ({ store }) => {
        assert.equal(await store.meta.get('server_id'), undefined);
        assert.equal(await store.meta.putIfAbsent('server_id', 'tessera-first'), 'tessera-first');
        assert.equal(await store.meta.putIfAbsent('server_id', 'tessera-second'), 'tessera-first');
        assert.equal(await store.meta.get('server_id'), 'tessera-first');
        assert.equal(await store.meta.get('Server_id'), undefined, 'keys are case-sensitive');
        assert.equal(await store.meta.putIfAbsent('other', 'x'), 'x');
      }));

    test('meta: 20 concurrent putIfAbsent of one key all return the one stored value', () =>
      withStore(async ({ store }) => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.meta.putIfAbsent('race', `v${i}`)));
        const stored = await store.meta.get('race');
        assert.ok(stored?.startsWith('v'));
        assert.deepEqual(results, results.map(() => stored));
      }));

    test('migrations are idempotent', (t) =>
      withStore(async ({ store, migrate }) => {
        if (migrate === undefined) return t.skip('the backend offers no migrate hook');
        await store.terminals.create(terminal('T-keep'));
        assert.deepEqual(await migrate(), []);
        assert.deepEqual(await migrate(), []);
        assert.equal((await store.terminals.get('T-keep'))?.id, 'T-keep');
      }));

    bindingStoreContract(withStore);
    factoryStoreContract(withStore);
    updateStoreContract(withStore);
    activationCodeStoreContract(withStore);
  });
}
