// Migration 0004: published updates and their files. The file lives in the database, cut
// into chunks (blob on SQLite, bytea on PostgreSQL), so every server process of a deployment
// serves the same bytes and a download streams one chunk at a time.
import { type Kysely, type Migration, sql } from 'kysely';
import { idType } from './sqlValues.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed today.
type AnyDb = Kysely<any>;

/** The updates migration for a dialect (version keys sort by bytes on both, as in 0001). */
export function updatesMigration(dialect: 'sqlite' | 'postgres'): Migration {
  const id = idType(dialect);
  const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('updates')
        .addColumn('version', id, (c) => c.primaryKey())
        .addColumn('major', 'integer', (c) => c.notNull())
        .addColumn('minor', 'integer', (c) => c.notNull())
        .addColumn('patch', 'integer', (c) => c.notNull())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('min_version', 'text')
        .addColumn('lots', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('updates_order').on('updates').columns(['major', 'minor', 'patch']).execute();
      await db.schema
        .createTable('update_chunks')
        .addColumn('version', id, (c) => c.notNull().references('updates.version').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('data', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('update_chunks_pk', ['version', 'seq'])
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('update_chunks').execute();
      await db.schema.dropTable('updates').execute();
    },
  };
}
