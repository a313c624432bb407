// Migration 0005: purchase activation codes. Batches, and codes held only as keyed hashes with the
// kid of their hash key, the batch, status, expiry and the terminal that used them. Same SQL
// on SQLite and PostgreSQL.
import type { Kysely, Migration } from 'kysely';
import { idType } from './sqlValues.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed today.
type AnyDb = Kysely<any>;

/** The activation-code migration for a dialect (ids sort by bytes on both, as in 0001). */
export function activationCodeMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const id = idType(dialect);
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('activation_batches')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('product', 'text', (c) => c.notNull())
        .addColumn('code_count', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createTable('activation_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('hash_kid', 'integer', (c) => c.notNull())
        .addColumn('batch_id', id, (c) => c.notNull().references('activation_batches.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_by', 'text')
        .addColumn('used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('activation_codes_batch_status').on('activation_codes').columns(['batch_id', 'status']).execute();
      await db.schema.createIndex('activation_codes_used_by').on('activation_codes').column('used_by').execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('activation_codes').execute();
      await db.schema.dropTable('activation_batches').execute();
    },
  };
}
