// Migration 0006: the state a restricted terminal was restricted from, so that restoring it
// returns it there (docs/factory.md §6) instead of always to `active`. Terminals restricted
// before this migration get it worked out once: a factory-made terminal that never spent an
// activation code was `provisioned`, any other was `active`.
import { type Kysely, type Migration, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as typed today.
type AnyDb = Kysely<any>;

/** The restricted-from migration (the same on both dialects). */
export function restrictedFromMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('terminals').addColumn('restricted_from', 'text').execute();
      await sql`update terminals set restricted_from = case
          when lot_id is not null and not exists (select 1 from activation_codes c where c.used_by = terminals.id) then 'provisioned'
          else 'active' end
        where status = 'restricted'`.execute(db);
    },
    async down(db: AnyDb) {
      await db.schema.alterTable('terminals').dropColumn('restricted_from').execute();
    },
  };
}
