// Deployment facts over Kysely (SQLite and PostgreSQL, the same SQL).
import type { Kysely } from 'kysely';
import type { Database, DeploymentMetaStore } from './types.ts';

/** {@link DeploymentMetaStore} over a migrated Kysely instance. */
export class KyselyDeploymentMetaStore implements DeploymentMetaStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async get(key: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('deployment_meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async putIfAbsent(key: string, value: string): Promise<string> {
    // The primary key decides a race; the loser's insert does nothing and it reads the winner's value.
    await this.#db
      .insertInto('deployment_meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const stored = await this.get(key);
    if (stored === undefined) throw new Error(`deployment_meta ${key} vanished after its insert`);
    return stored;
  }
}
