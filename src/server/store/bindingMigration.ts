// Migration 0002: the `bindings` table. Two partial unique indexes (same SQL on SQLite and
// PostgreSQL) hold the binding invariants under any concurrency: a terminal has at most
// one active binding, and an exclusive number has at most one active binding per app.
import { type Kysely, type Migration, sql } from 'kysely';
import { idType } from './sqlValues.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed today.
type AnyDb = Kysely<any>;

/** The bindings migration for a dialect (ids sort by bytes on both, as in 0001). */
export function bindingsMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const id = idType(dialect);
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('bindings')
        .addColumn('id', id, (c) => c.primaryKey())
        .addColumn('terminal_id', id, (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('hash_kid', 'integer', (c) => c.notNull())
        .addColumn('msisdn_hash', 'text', (c) => c.notNull())
        .addColumn('iccid_hash', 'text', (c) => c.notNull())
        .addColumn('imsi_hash', 'text', (c) => c.notNull())
        .addColumn('se_hash', 'text', (c) => c.notNull())
        .addColumn('msisdn_last4', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('exclusive', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('verified_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('cooldown_until', 'text')
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema
        .createIndex('bindings_one_active_per_terminal')
        .on('bindings')
        .column('terminal_id')
        .unique()
        .where(sql.raw<boolean>(`status = 'active'`))
        .execute();
      await db.schema
        .createIndex('bindings_one_active_per_number')
        .on('bindings')
        .columns(['app_id', 'msisdn_hash'])
        .unique()
        .where(sql.raw<boolean>(`status = 'active' and exclusive = 1`))
        .execute();
      await db.schema.createIndex('bindings_terminal_id').on('bindings').columns(['terminal_id', 'id']).execute();
      await db.schema.createIndex('bindings_number').on('bindings').columns(['msisdn_hash', 'id']).execute();
      await db.schema.createIndex('bindings_status_id').on('bindings').columns(['status', 'id']).execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('bindings').execute();
    },
  };
}
