// The factory's bulk insert (terminals.createMany → bulkInsertTerminals) on SQLite and, with
// TESSERA_DATABASE_URL, PostgreSQL: columns the same in every row are bound once, the others
// per row, so a chunk where any column varies (kid, status, label, lot, suites, time) must still
// store each row exactly; existing ids are skipped and counted, within a chunk and across chunks.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { openDurableStore } from '../../src/server/store/openDurableStore.ts';
import type { DurableStore, NewTerminal } from '../../src/server/store/types.ts';

const DATABASE_URL = process.env['TESSERA_DATABASE_URL'];
const T0 = new Date('2026-11-01T08:00:00.000Z');

async function withStore(backend: 'sqlite' | 'postgres', fn: (store: DurableStore) => Promise<void>): Promise<void> {
  const schema = `tessera_test_${randomBytes(8).toString('hex')}`;
  const store = await openDurableStore(backend === 'sqlite' ? { sqlitePath: ':memory:' } : { databaseUrl: DATABASE_URL, sqlitePath: 'unused', schema });
  try {
    await fn(store);
  } finally {
    await store.close();
    if (backend === 'postgres') {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
    }
  }
}

const row = (i: number, over: Partial<NewTerminal> = {}): NewTerminal => ({
  id: `L-B-${String(i).padStart(6, '0')}`,
  kid: 1,
  suites: ['hmac-sha256', 'hmac-sm3'],
  now: T0,
  status: 'provisioned',
  lotId: 'L-B',
  hwHash: `hw-${i}`,
  label: null,
  ...over,
});

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`bulk insert of terminals (${backend})`, { skip: backend === 'postgres' && !DATABASE_URL ? 'TESSERA_DATABASE_URL is not set' : false }, () => {
    test('rows that share every column but id and hash, over several statements, then a rerun', () =>
      withStore(backend, async (store) => {
        const rows = Array.from({ length: 2345 }, (_, i) => row(i));
        assert.equal(await store.terminals.createMany(rows), 2345);
        assert.equal(await store.terminals.createMany([...rows.slice(1000, 1010), row(9999)]), 1, 'only the new id');
        const t = await store.terminals.get('L-B-002344');
        assert.deepEqual([t?.kid, t?.status, t?.suites, t?.label, t?.createdAt.toISOString(), t?.updatedAt.toISOString(), t?.revokedAt, t?.lotId, t?.hwHash], [1, 'provisioned', ['hmac-sha256', 'hmac-sm3'], null, T0.toISOString(), T0.toISOString(), null, 'L-B', 'hw-2344']);
      }));

    test('every column varying within one chunk is stored per row; an id twice in a chunk is inserted once', () =>
      withStore(backend, async (store) => {
        const later = new Date(T0.getTime() + 1234);
        const rows = Array.from({ length: 12 }, (_, i) =>
          row(i, { kid: 1 + (i % 3), status: i % 2 ? 'active' : 'provisioned', suites: i % 4 ? ['hmac-sha256'] : ['hmac-sm3'], label: i % 5 ? null : `label ${i}`, now: i % 2 ? later : T0, lotId: i % 6 ? 'L-B' : null, hwHash: i % 7 ? `hw-${i}` : null }),
        );
        assert.equal(await store.terminals.createMany([...rows, row(3, { kid: 9 })]), 12);
        for (const [i, r] of rows.entries()) {
          const t = await store.terminals.get(r.id);
          assert.deepEqual([t?.kid, t?.status, t?.suites, t?.label, t?.createdAt.getTime(), t?.lotId, t?.hwHash], [r.kid, r.status, r.suites, r.label, r.now.getTime(), r.lotId, r.hwHash], `row ${i}`);
        }
        const single = row(77, { label: 'alone' });
        assert.equal(await store.terminals.createMany([single]), 1);
        assert.equal((await store.terminals.get(single.id))?.label, 'alone');
      }));
  });
}
