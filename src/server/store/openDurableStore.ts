// Opens the durable store named by the configuration: an embedded SQLite file by default,
// PostgreSQL when TESSERA_DATABASE_URL is a postgres:// URL. Migrations run before it is
// handed out, so a returned store is always on the latest schema.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { TesseraError } from '../../protocol/errors.ts';
import { KyselyDurableStore } from './kyselyDurableStore.ts';
import { withStatementCache } from './statementCache.ts';
import { migrateToLatest } from './migrations.ts';
import type { Database, DurableStore } from './types.ts';

/** Options of {@link openDurableStore}. */
export interface OpenDurableStoreOptions {
  /** `postgres://` or `postgresql://` URL; unset or empty selects SQLite. */
  databaseUrl?: string;
  /** SQLite database file (its directory is created), or `:memory:`. */
  sqlitePath: string;
  /** PostgreSQL schema for the tables, created if missing (default: the search_path). */
  schema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function why(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Opens and migrates the durable store.
 * @example const store = await openDurableStore({ sqlitePath: 'data/tessera.db' })
 */
export async function openDurableStore(options: OpenDurableStoreOptions): Promise<DurableStore> {
  const url = options.databaseUrl?.trim();
  if (url === undefined || url === '') return openSqlite(options.sqlitePath);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new TesseraError(
      'config.invalid',
      `TESSERA_DATABASE_URL must be a postgres:// or postgresql:// URL, or unset for the embedded SQLite database (got ${scheme === undefined ? 'no scheme' : `${scheme}://`})`,
    );
  }
  return openPostgres(url, options.schema);
}

async function openSqlite(path: string): Promise<DurableStore> {
  let sqlite: SqliteDatabase.Database;
  try {
    if (path !== ':memory:') {
      mkdirSync(dirname(resolve(path)), { recursive: true });
      // A new file is the owner's alone; SQLite gives its -wal and -shm files the same mode.
      // An existing file keeps the mode its operator gave it.
      closeSync(openSync(path, 'a', 0o600));
    }
    sqlite = new SqliteDatabase(path);
  } catch (err) {
    throw new TesseraError('server.unavailable', `cannot open the SQLite database ${path}: ${why(err)}`, {
      cause: err,
    });
  }
  try {
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    await switchToWal(sqlite);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
  } catch (err) {
    sqlite.close();
    throw new TesseraError('server.unavailable', `cannot open the SQLite database ${path}: ${why(err)}`, { cause: err });
  }
  const store = new KyselyDurableStore(new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) }), 'sqlite', { sqlite });
  try {
    await migrateSqliteExclusively(sqlite, path, () => migrateToLatest(store.db));
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Puts the file in WAL mode (':memory:' stays 'memory'). The switch needs the file to itself
 * and SQLite answers SQLITE_BUSY at once, without its busy timeout, while another process
 * opens it: of 4 processes opening one new file together, one in 8 failed so. It is retried
 * for up to the busy timeout; once the file is in WAL mode the pragma only reads the mode.
 */
async function switchToWal(sqlite: SqliteDatabase.Database): Promise<void> {
  const until = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      sqlite.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() > until) throw err;
    }
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
  }
}
/** How long a process waits for another one's migrations of the same file (an upgrade may copy tables). */
const SQLITE_MIGRATION_WAIT_MS = 120_000;

/**
 * Runs `migrate` inside one `BEGIN IMMEDIATE` transaction. Kysely's migrator takes no lock on
 * SQLite (it counts on one connection), so processes starting at once on one new file each ran
 * the migrations and all but one failed with "table … already exists". Here the first takes
 * the write lock, the others wait for it and then find every migration applied; a migration
 * that fails leaves the schema as it was (SQLite's DDL is transactional).
 */
async function migrateSqliteExclusively(sqlite: SqliteDatabase.Database, path: string, migrate: () => Promise<unknown>): Promise<void> {
  sqlite.pragma(`busy_timeout = ${SQLITE_MIGRATION_WAIT_MS}`);
  try {
    try {
      sqlite.exec('BEGIN IMMEDIATE');
    } catch (err) {
      throw new TesseraError('server.unavailable', `cannot lock the SQLite database ${path} to migrate it: ${why(err)}`, { cause: err });
    }
    try {
      await migrate();
      sqlite.exec('COMMIT');
    } catch (err) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw err;
    }
  } finally {
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  }
}

async function openPostgres(url: string, schema: string | undefined): Promise<DurableStore> {
  let target: string;
  try {
    const parsed = new URL(url);
    target = `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`; // never the password
  } catch {
    throw new TesseraError('config.invalid', 'TESSERA_DATABASE_URL is not a valid URL');
  }
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new TesseraError('config.invalid', `database schema "${schema}" must match ${SCHEMA_NAME.source}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 10_000,
    // Every pooled connection resolves unqualified table names in the chosen schema.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client that loses its server is dropped by the pool; the next query reports it.
  pool.on('error', () => {});
  const store = new KyselyDurableStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), 'postgres', { pgPool: pool });
  try {
    try {
      await sql`select 1`.execute(store.db);
    } catch (err) {
      throw new TesseraError('server.unavailable', `cannot connect to PostgreSQL at ${target} (TESSERA_DATABASE_URL): ${why(err)}`, {
        cause: err,
      });
    }
    if (schema !== undefined) await createSchema(store, schema);
    await migrateToLatest(store.db, schema === undefined ? {} : { schema });
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

async function createSchema(store: KyselyDurableStore, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(store.db);
  } catch (err) {
    // Two processes racing on `if not exists` can still collide; the schema exists either way.
    const code = (err as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw err;
  }
}
