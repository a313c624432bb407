// Migration 0007: deployment facts that must outlive any one setting, such as the server id
// fixed on the first start. A key/value table; same SQL on SQLite and PostgreSQL.
import type { Kysely, Migration } from 'kysely';
import { idType } from './sqlValues.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed today.
type AnyDb = Kysely<any>;

/** The deployment-meta migration for a dialect. */
export function deploymentMetaMigration(dialect: 'sqlite' | 'postgres'): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('deployment_meta')
        .addColumn('key', idType(dialect), (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('deployment_meta').execute();
    },
  };
}
