// Schema migrations of the durable store, held in code (no files on disk) and applied at
// start-up by Kysely's Migrator. The columns are portable: text, integer, dates as ISO-8601
// text, JSON as text. The one dialect difference: on PostgreSQL the id columns use the "C"
// collation so ids sort by bytes, as SQLite's BINARY collation does.
import { type Kysely, type Migration, type MigrationProvider, Migrator, PostgresIntrospector } from 'kysely';
import { TesseraError } from '../../protocol/errors.ts';
import { activationCodeMigration } from './activationCodeMigration.ts';
import { bindingsMigration } from './bindingMigration.ts';
import { deploymentMetaMigration } from './deploymentMetaMigration.ts';
import { factoryMigration } from './factoryMigration.ts';
import { restrictedFromMigration } from './restrictedFromMigration.ts';
import { idType } from './sqlValues.ts';
import { updatesMigration } from './updatesMigration.ts';

/** Options of {@link migrateToLatest}. */
export interface MigrateOptions {
  /** PostgreSQL schema holding the tables and Kysely's bookkeeping tables (default: search_path). */
  schema?: string;
  /** Stop after this migration (a test of a later migration's data step starts from it). */
  upTo?: string;
}

type Dialect = 'sqlite' | 'postgres';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed today.
type AnyDb = Kysely<any>;

/** The migrations in order; a name, once released, never changes. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_terminals_and_events': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('terminals')
          .addColumn('id', idType(dialect), (c) => c.primaryKey())
          .addColumn('kid', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('suites', 'text', (c) => c.notNull())
          .addColumn('label', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema.createIndex('terminals_status_id').on('terminals').columns(['status', 'id']).execute();

        await db.schema
          .createTable('security_events')
          .addColumn('id', idType(dialect), (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('terminal_id', 'text')
          .addColumn('source', 'text')
          .addColumn('detail', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('security_events_terminal_id')
          .on('security_events')
          .columns(['terminal_id', 'id'])
          .execute();
        await db.schema.createIndex('security_events_type_id').on('security_events').columns(['type', 'id']).execute();
      },
      async down(db: AnyDb) {
        await db.schema.dropTable('security_events').execute();
        await db.schema.dropTable('terminals').execute();
      },
    },
    '0002_bindings': bindingsMigration(dialect),
    '0003_factory': factoryMigration(dialect),
    '0004_updates': updatesMigration(dialect),
    '0005_activation_codes': activationCodeMigration(dialect),
    '0006_terminal_restricted_from': restrictedFromMigration(),
    '0007_deployment_meta': deploymentMetaMigration(dialect),
  };
}

/** The dialect behind a Kysely instance, from its (public) introspector. */
export function dialectOf(db: AnyDb): Dialect {
  return db.introspection instanceof PostgresIntrospector ? 'postgres' : 'sqlite';
}

// Kysely's Migrator introspects every schema of the database, looking objects up by name;
// a schema or table dropped meanwhile by another client (parallel test runs, tenants)
// fails that one query with "does not exist". Such a failure is retried; any other is not.
const CONCURRENT_DROP_CODES = new Set(['3F000', '42P01']); // invalid_schema_name, undefined_table
const ATTEMPTS = 5;

function isConcurrentDrop(err: unknown): boolean {
  return CONCURRENT_DROP_CODES.has(String((err as { code?: unknown } | null)?.code));
}

/**
 * Brings the schema to the latest migration (or to `upTo`); idempotent (a second run applies nothing).
 * Returns the names of the migrations it applied.
 * @example await migrateToLatest(db, { schema: 'tessera' })
 */
export async function migrateToLatest(db: AnyDb, options: MigrateOptions = {}): Promise<string[]> {
  const dialect = dialectOf(db);
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({
    db,
    provider,
    // Kysely finds its bookkeeping tables by name across all schemas unless told which.
    ...(dialect === 'postgres' && options.schema !== undefined ? { migrationTableSchema: options.schema } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results = [] } = await (options.upTo === undefined ? migrator.migrateToLatest() : migrator.migrateTo(options.upTo));
    if (error === undefined) return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (dialect === 'postgres' && attempt < ATTEMPTS && isConcurrentDrop(error)) {
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
      continue;
    }
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const what = failed === undefined ? 'database migration failed' : `database migration ${failed} failed`;
    const why = error instanceof Error ? error.message : String(error);
    throw new TesseraError('server.unavailable', `${what}: ${why}`, { cause: error });
  }
}
