// Kysely's SQLite driver prepares every statement anew; better-sqlite3 statements are
// reusable, so this wrapper keeps the prepared statement of each SQL text (bounded) and the
// queries that go through Kysely skip SQLite's parser. (The terminal lookup of every
// handshake keeps its own statement: kyselyDurableStore.ts.)
import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

/** Wraps a better-sqlite3 database so `prepare` reuses statements by SQL text. */
export function withStatementCache(db: SqliteDatabase.Database, max = 256): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt as unknown as ReturnType<KyselySqliteDatabase['prepare']>;
    },
  };
}
