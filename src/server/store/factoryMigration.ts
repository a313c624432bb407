// Migration 0003: production lots, and the factory facts of a terminal (its lot and the
// fingerprint hash of the hardware it was made for). Same SQL on SQLite and PostgreSQL.
import type { Kysely, Migration } from 'kysely';
import { idType } from './sqlValues.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed today.
type AnyDb = Kysely<any>;

/** The factory migration for a dialect (ids sort by bytes on both, as in 0001). */
export function factoryMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const id = idType(dialect);
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('lots')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('kid', 'integer', (c) => c.notNull())
        .addColumn('handshake_suites', 'text', (c) => c.notNull())
        .addColumn('aead_suites', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('terminals').addColumn('lot_id', 'text').execute();
      await db.schema.alterTable('terminals').addColumn('hw_hash', 'text').execute();
      await db.schema.createIndex('terminals_lot_id').on('terminals').columns(['lot_id', 'id']).execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropIndex('terminals_lot_id').execute();
      await db.schema.alterTable('terminals').dropColumn('hw_hash').execute();
      await db.schema.alterTable('terminals').dropColumn('lot_id').execute();
      await db.schema.dropTable('lots').execute();
    },
  };
}
