// Lots over Kysely (SQLite and PostgreSQL, the same SQL).
import type { Kysely } from 'kysely';
import { TesseraError } from '../../protocol/errors.ts';
import type { LotRecord, LotStore, LotsTable, NewLot } from './lotStoreTypes.ts';
import { checkLimit, isUniqueViolation, iso } from './sqlValues.ts';
import type { Database } from './types.ts';

const toLot = (row: LotsTable): LotRecord => ({
  id: row.id,
  kid: Number(row.kid),
  handshakeSuites: JSON.parse(row.handshake_suites) as string[],
  aeadSuites: JSON.parse(row.aead_suites) as string[],
  label: row.label,
  createdAt: new Date(row.created_at),
});

/** {@link LotStore} over a migrated Kysely instance. */
export class KyselyLotStore implements LotStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(lot: NewLot): Promise<LotRecord> {
    const row: LotsTable = {
      id: lot.id,
      kid: lot.kid,
      handshake_suites: JSON.stringify(lot.handshakeSuites),
      aead_suites: JSON.stringify(lot.aeadSuites),
      label: lot.label ?? null,
      created_at: iso(lot.now, 'now'),
    };
    try {
      await this.#db.insertInto('lots').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new TesseraError('lot.exists', `lot ${lot.id} already exists`);
      throw err;
    }
    return toLot(row);
  }

  async get(id: string): Promise<LotRecord | undefined> {
    const row = await this.#db.selectFrom('lots').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toLot(row);
  }

  async list(q: { limit: number; after?: string }): Promise<LotRecord[]> {
    let query = this.#db.selectFrom('lots').selectAll();
    if (q.after !== undefined) query = query.where('id', '>', q.after);
    return (await query.orderBy('id').limit(checkLimit(q.limit)).execute()).map(toLot);
  }
}
