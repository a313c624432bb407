// Runs the DurableStore contract against SQLite (file and :memory:) always, and against
// PostgreSQL when TESSERA_DATABASE_URL is set (each open gets its own throw-away schema).
// Also covers what is specific to openDurableStore: configuration errors and pragmas.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { KyselyDurableStore } from '../../../src/server/store/kyselyDurableStore.ts';
import { migrateToLatest } from '../../../src/server/store/migrations.ts';
import { openDurableStore } from '../../../src/server/store/openDurableStore.ts';
import type { Database } from '../../../src/server/store/types.ts';
import { type DurableStoreHarness, durableStoreContract } from './durableStoreContract.ts';

const DATABASE_URL = process.env['TESSERA_DATABASE_URL'];

function asKysely(store: unknown): KyselyDurableStore {
  assert.ok(store instanceof KyselyDurableStore);
  return store;
}

async function openSqliteFile(): Promise<DurableStoreHarness & { dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-store-'));
  const path = join(dir, 'nested', 'tessera.db'); // the parent directory does not exist yet
  const store = asKysely(await openDurableStore({ sqlitePath: path }));
  return {
    store,
    dir,
    path,
    migrate: () => migrateToLatest(store.db),
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function openSqliteMemory(): Promise<DurableStoreHarness> {
  const store = asKysely(await openDurableStore({ sqlitePath: ':memory:' }));
  return { store, migrate: () => migrateToLatest(store.db), cleanup: () => store.close() };
}

async function openPostgres(): Promise<DurableStoreHarness> {
  const url = DATABASE_URL as string;
  const schema = `tessera_test_${randomBytes(8).toString('hex')}`;
  const dropSchema = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
  };
  let store: KyselyDurableStore;
  try {
    store = asKysely(await openDurableStore({ databaseUrl: url, sqlitePath: 'unused', schema }));
  } catch (err) {
    await dropSchema();
    throw err;
  }
  return {
    store,
    migrate: () => migrateToLatest(store.db, { schema }),
    cleanup: async () => {
      await store.close();
      await dropSchema();
    },
  };
}

durableStoreContract('SQLite (file)', openSqliteFile);
durableStoreContract('SQLite (:memory:)', openSqliteMemory);
durableStoreContract('PostgreSQL', openPostgres, {
  skip: DATABASE_URL ? false : 'TESSERA_DATABASE_URL is not set',
});

// The SQLite store answers terminals.get outside Kysely's driver; a transaction that Kysely
// holds open across awaits must still keep its uncommitted rows to itself.
for (const [name, open, skip] of [
  ['SQLite (file)', openSqliteFile, false],
  ['SQLite (:memory:)', openSqliteMemory, false],
  ['PostgreSQL', openPostgres, DATABASE_URL ? false : 'TESSERA_DATABASE_URL is not set'],
] as const) {
  test(`${name}: terminals.get never sees a row of a transaction that is still open, then rolls back`, { skip }, async () => {
    const { store, cleanup } = await open();
    const db = asKysely(store).db;
    try {
      const row = { id: 'T-uncommitted', kid: 1, status: 'active', suites: '[]', label: null, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', revoked_at: null, lot_id: null, hw_hash: null };
      let inserted!: () => void;
      let release!: () => void;
      const insertedNow = new Promise<void>((r) => (inserted = r));
      const released = new Promise<void>((r) => (release = r));
      const tx = db.transaction().execute(async (trx) => {
        await trx.insertInto('terminals').values(row).execute();
        inserted();
        await released;
        throw new Error('roll back');
      });
      await insertedNow;
      const during = store.terminals.get('T-uncommitted');
      release();
      await assert.rejects(tx, /roll back/);
      assert.equal(await during, undefined, 'an uncommitted row was read');
      assert.equal(await store.terminals.get('T-uncommitted'), undefined);
    } finally {
      await cleanup();
    }
  });
}

// The lookup keeps its statement prepared (better-sqlite3; a named PostgreSQL statement on
// each pooled connection). A later migration that adds a column must not break it.
for (const [name, open, skip] of [
  ['SQLite (file)', openSqliteFile, false],
  ['PostgreSQL', openPostgres, DATABASE_URL ? false : 'TESSERA_DATABASE_URL is not set'],
] as const) {
  test(`${name}: terminals.get keeps working when a column is added or changes type after its statement was prepared`, { skip }, async () => {
    const { store, cleanup } = await open();
    try {
      await store.terminals.create({ id: 'T-1', kid: 2, suites: ['s'], now: new Date(5) });
      // Several lookups at once, so more than one pooled connection prepares the statement.
      for (const t of await Promise.all(Array.from({ length: 8 }, () => store.terminals.get('T-1')))) assert.equal(t?.kid, 2);
      await sql`alter table terminals add column later_migration text`.execute(asKysely(store).db);
      for (const t of await Promise.all(Array.from({ length: 8 }, () => store.terminals.get('T-1')))) assert.deepEqual(t?.suites, ['s']);
      assert.equal(await store.terminals.get('T-2'), undefined);
      // A changed column type (PostgreSQL: the prepared statements' result type changes).
      if (asKysely(store).dialect === 'postgres') await sql`alter table terminals alter column label type varchar(200)`.execute(asKysely(store).db);
      for (const t of await Promise.all(Array.from({ length: 8 }, () => store.terminals.get('T-1')))) assert.equal(t?.kid, 2);
    } finally {
      await cleanup();
    }
  });
}

describe('openDurableStore', () => {
  test('an unknown URL scheme is a config error naming the variable and the schemes', async () => {
    await assert.rejects(openDurableStore({ databaseUrl: 'mysql://root@localhost/db', sqlitePath: ':memory:' }), (err) => {
      assert.ok(isTesseraError(err, 'config.invalid'));
      assert.match(err.message, /TESSERA_DATABASE_URL/);
      assert.match(err.message, /postgres:\/\//);
      assert.match(err.message, /mysql:\/\//);
      return true;
    });
    await assert.rejects(openDurableStore({ databaseUrl: 'not a url', sqlitePath: ':memory:' }), (err) =>
      isTesseraError(err, 'config.invalid'),
    );
  });

  test('an unsafe schema name is a config error', async () => {
    await assert.rejects(
      openDurableStore({ databaseUrl: 'postgres://u@127.0.0.1:1/x', sqlitePath: ':memory:', schema: 'a"; drop' }),
      (err) => isTesseraError(err, 'config.invalid'),
    );
  });

  test('an unreachable PostgreSQL is server.unavailable without the password', async () => {
    await assert.rejects(
      openDurableStore({ databaseUrl: 'postgres://u:s3cret@127.0.0.1:1/x', sqlitePath: ':memory:' }),
      (err) => {
        assert.ok(isTesseraError(err, 'server.unavailable'));
        assert.match(err.message, /127\.0\.0\.1:1/);
        assert.doesNotMatch(err.message, /s3cret/);
        return true;
      },
    );
  });

  test('SQLite runs in WAL mode with foreign keys, busy timeout and synchronous=NORMAL', async () => {
    const h = await openSqliteFile();
    try {
      const db = asKysely(h.store).db;
      const pragma = async (name: string) =>
        Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db)).rows[0] ?? {})[0];
      assert.equal(await pragma('journal_mode'), 'wal');
      assert.equal(await pragma('foreign_keys'), 1);
      assert.equal(await pragma('busy_timeout'), 5000);
      assert.equal(await pragma('synchronous'), 1); // NORMAL
      assert.equal(h.store.dialect, 'sqlite');
    } finally {
      await h.cleanup();
    }
  });

  test('a new SQLite file and its WAL and shared-memory files are readable by the owner only', async () => {
    const h = await openSqliteFile();
    try {
      await h.store.terminals.create({ id: 'T-1', kid: 1, suites: ['s'], now: new Date(5) });
      for (const file of [h.path, `${h.path}-wal`, `${h.path}-shm`]) assert.equal(statSync(file).mode & 0o777, 0o600, file);
    } finally {
      await h.cleanup();
    }
  });

  test('reopening a SQLite file keeps its data and applies no migration', async () => {
    const h = await openSqliteFile();
    try {
      await h.store.terminals.create({ id: 'T-1', kid: 3, suites: ['s'], now: new Date(5) });
      await h.store.close();
      const again = asKysely(await openDurableStore({ sqlitePath: h.path }));
      try {
        assert.equal((await again.terminals.get('T-1'))?.kid, 3);
        assert.deepEqual(await migrateToLatest(again.db), []);
      } finally {
        await again.close();
      }
    } finally {
      await h.cleanup();
    }
  });

  test('a fresh database gets every migration once', async () => {
    const h = await openSqliteMemory();
    try {
      const db = asKysely(h.store).db;
      const tables = (await db.introspection.getTables()).map((t) => t.name).sort();
      assert.deepEqual(tables, ['activation_batches', 'activation_codes', 'bindings', 'deployment_meta', 'lots', 'security_events', 'terminals', 'update_chunks', 'updates']);
      assert.deepEqual(await migrateToLatest(db), []);
    } finally {
      await h.cleanup();
    }
  });
});

// Migration 0006 works out restricted_from for terminals restricted before it: a factory-made
// terminal that never spent a code was provisioned, any other was active.
for (const [name, skip] of [
  ['SQLite', false],
  ['PostgreSQL', DATABASE_URL ? false : 'TESSERA_DATABASE_URL is not set'],
] as const) {
  test(`${name}: migration 0006 gives terminals restricted before it the state a restore returns them to`, { skip }, async () => {
    let db: Kysely<Database>;
    let cleanup: () => Promise<void>;
    let schema: string | undefined;
    if (name === 'SQLite') {
      db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
      cleanup = () => db.destroy();
    } else {
      schema = `tessera_test_${randomBytes(8).toString('hex')}`;
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`create schema "${schema}"`);
      await admin.end();
      db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` }) }) });
      cleanup = async () => {
        await db.destroy();
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      };
    }
    try {
      await migrateToLatest(db, { schema, upTo: '0005_activation_codes' });
      const at = '2026-01-01T00:00:00.000Z';
      const row = (id: string, status: string, lot: string | null) => ({ id, kid: 1, status, suites: '[]', label: null, created_at: at, updated_at: at, revoked_at: null, lot_id: lot, hw_hash: null });
      await sql`insert into lots (id, kid, handshake_suites, aead_suites, label, created_at) values ('L-1', 1, '[]', '[]', null, ${at})`.execute(db);
      for (const r of [row('T-unpaid', 'restricted', 'L-1'), row('T-paid', 'restricted', 'L-1'), row('T-admin', 'restricted', null), row('T-active', 'active', 'L-1')]) {
        await sql`insert into terminals (id, kid, status, suites, label, created_at, updated_at, revoked_at, lot_id, hw_hash) values (${r.id}, ${r.kid}, ${r.status}, ${r.suites}, ${r.label}, ${r.created_at}, ${r.updated_at}, ${r.revoked_at}, ${r.lot_id}, ${r.hw_hash})`.execute(db);
      }
      await sql`insert into activation_batches (id, product, code_count, expires_at, created_at, revoked_at) values ('B-1', 'p', 1, ${at}, ${at}, null)`.execute(db);
      await sql`insert into activation_codes (code_hash, hash_kid, batch_id, status, expires_at, created_at, used_by, used_at, revoked_at) values ('h-1', 1, 'B-1', 'used', ${at}, ${at}, 'T-paid', ${at}, null)`.execute(db);
      assert.deepEqual(await migrateToLatest(db, { schema }), ['0006_terminal_restricted_from', '0007_deployment_meta']);
      const rows = await sql<{ id: string; restricted_from: string | null }>`select id, restricted_from from terminals order by id`.execute(db);
      assert.deepEqual(rows.rows, [
        { id: 'T-active', restricted_from: null },
        { id: 'T-admin', restricted_from: 'active' },
        { id: 'T-paid', restricted_from: 'active' },
        { id: 'T-unpaid', restricted_from: 'provisioned' },
      ]);
    } finally {
      await cleanup();
    }
  });
}
