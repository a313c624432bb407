// Activation codes over Kysely (SQLite and PostgreSQL, the same SQL). Consumption is one
// conditional UPDATE inside a transaction that also moves the terminal, so of any number of
// concurrent redemptions of one code exactly one wins, a code is never spent on a terminal
// that did not become active, and no terminal becomes active without spending a code.
import { type Kysely, sql, type Transaction } from 'kysely';
import { TesseraError } from '../../protocol/errors.ts';
import type {
  ActivationCodeRecord,
  ActivationCodeStore,
  ActivationCodesTable,
  CodeBatchRecord,
  CodeBatchSummary,
  CodeRedemption,
  CodeStatus,
  NewCodeBatch,
  RedeemResult,
  StoredCodeStatus,
} from './activationCodeStoreTypes.ts';
import { checkLimit, dateOrNull, isUniqueViolation, iso } from './sqlValues.ts';
import type { Database, TerminalStore } from './types.ts';

/** Rows per INSERT: 6 parameters × 1000 stays under SQLite's and PostgreSQL's limits. */
const CHUNK = 1000;

type CodeRow = ActivationCodesTable & { product: string };

const toCode = (r: CodeRow): ActivationCodeRecord => ({
  hash: r.code_hash,
  hashKid: Number(r.hash_kid),
  batchId: r.batch_id,
  product: r.product,
  status: r.status as StoredCodeStatus,
  expiresAt: new Date(r.expires_at),
  createdAt: new Date(r.created_at),
  usedBy: r.used_by,
  usedAt: dateOrNull(r.used_at),
  revokedAt: dateOrNull(r.revoked_at),
});

const emptyCounts = (): Record<CodeStatus, number> => ({ issued: 0, used: 0, revoked: 0, expired: 0 });

/** Thrown inside a transaction to roll it back while carrying the outcome out. */
class Rollback {
  constructor(readonly result: RedeemResult) {}
}

/** {@link ActivationCodeStore} over a migrated Kysely instance. */
export class KyselyActivationCodeStore implements ActivationCodeStore {
  readonly #db: Kysely<Database>;
  readonly #terminalsIn: (db: Kysely<Database>) => TerminalStore;

  /** `terminalsIn` gives the terminal store bound to a transaction (so `redeem` uses `terminals.transition`). */
  constructor(db: Kysely<Database>, terminalsIn: (db: Kysely<Database>) => TerminalStore) {
    this.#db = db;
    this.#terminalsIn = terminalsIn;
  }

  async createBatch(b: NewCodeBatch): Promise<CodeBatchRecord> {
    const now = iso(b.now);
    const expiresAt = iso(b.expiresAt);
    await this.#db.transaction().execute(async (trx) => {
      try {
        await trx.insertInto('activation_batches').values({ id: b.id, product: b.product, code_count: b.hashes.length, expires_at: expiresAt, created_at: now, revoked_at: null }).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new TesseraError('activation.batch_exists', `code batch ${b.id} already exists`);
        throw err;
      }
      for (let i = 0; i < b.hashes.length; i += CHUNK) {
        // used_by, used_at and revoked_at start NULL (their default): fewer parameters per row.
        const rows = b.hashes.slice(i, i + CHUNK).map((code_hash) => ({ code_hash, hash_kid: b.hashKid, batch_id: b.id, status: 'issued', expires_at: expiresAt, created_at: now }));
        await trx.insertInto('activation_codes').values(rows).execute();
      }
    });
    return { id: b.id, product: b.product, count: b.hashes.length, expiresAt: new Date(expiresAt), createdAt: new Date(now), revokedAt: null };
  }

  async #summaries(db: Kysely<Database>, batches: CodeBatchRecord[], now: Date): Promise<CodeBatchSummary[]> {
    if (batches.length === 0) return [];
    const shown = sql<string>`case when ${sql.ref('status')} = 'issued' and ${sql.ref('expires_at')} <= ${iso(now)} then 'expired' else ${sql.ref('status')} end`;
    const rows = await db
      .selectFrom('activation_codes')
      .select(['batch_id', shown.as('shown'), (eb) => eb.fn.countAll<string | number>().as('n')])
      .where(
        'batch_id',
        'in',
        batches.map((b) => b.id),
      )
      // Grouped by the output name: PostgreSQL would not see two parameterised copies of the CASE as one expression.
      .groupBy(['batch_id', sql`shown`])
      .execute();
    const counts = new Map(batches.map((b) => [b.id, emptyCounts()]));
    for (const r of rows) counts.get(r.batch_id)![r.shown as CodeStatus] = Number(r.n);
    return batches.map((b) => ({ ...b, counts: counts.get(b.id)! }));
  }

  async getBatch(id: string, now: Date): Promise<CodeBatchSummary | undefined> {
    const row = await this.#db.selectFrom('activation_batches').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : (await this.#summaries(this.#db, [toBatch(row)], now))[0];
  }

  async listBatches(q: { limit: number; after?: string; now: Date }): Promise<CodeBatchSummary[]> {
    let query = this.#db.selectFrom('activation_batches').selectAll();
    if (q.after !== undefined) query = query.where('id', '>', q.after);
    const rows = await query.orderBy('id').limit(checkLimit(q.limit)).execute();
    return this.#summaries(this.#db, rows.map(toBatch), q.now);
  }

  async revokeBatch(id: string, now: Date): Promise<number | undefined> {
    const at = iso(now);
    return this.#db.transaction().execute(async (trx) => {
      const batch = await trx
        .updateTable('activation_batches')
        .set({ revoked_at: sql<string>`coalesce(${sql.ref('revoked_at')}, ${at})` })
        .where('id', '=', id)
        .returning('id')
        .executeTakeFirst();
      if (batch === undefined) return undefined;
      const result = await trx.updateTable('activation_codes').set({ status: 'revoked', revoked_at: at }).where('batch_id', '=', id).where('status', '=', 'issued').executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
  }

  #selectCodes(db: Kysely<Database>) {
    return db.selectFrom('activation_codes as c').innerJoin('activation_batches as b', 'b.id', 'c.batch_id').selectAll('c').select('b.product');
  }

  async listRedemptions(batchId: string, q: { limit: number; after?: string }): Promise<CodeRedemption[]> {
    let query = this.#db.selectFrom('activation_codes').select(['used_by', 'used_at']).where('batch_id', '=', batchId).where('status', '=', 'used');
    if (q.after !== undefined) query = query.where('used_by', '>', q.after);
    const rows = await query.orderBy('used_by').limit(checkLimit(q.limit)).execute();
    return rows.map((r) => ({ terminalId: r.used_by!, usedAt: new Date(r.used_at!) }));
  }

  async find(hashes: readonly string[]): Promise<ActivationCodeRecord | undefined> {
    if (hashes.length === 0) return undefined;
    const row = await this.#selectCodes(this.#db)
      .where('c.code_hash', 'in', [...hashes])
      .executeTakeFirst();
    return row === undefined ? undefined : toCode(row);
  }

  async redeem(input: { hashes: readonly string[]; terminalId: string; now: Date }): Promise<RedeemResult> {
    const at = iso(input.now);
    try {
      return await this.#db.transaction().execute(async (trx) => {
        // The terminal first: one that is not provisioned learns nothing about the code, and
        // every redemption locks the terminal row before the code row (no lock-order cycle).
        const terminal = await this.#terminalsIn(trx).transition(input.terminalId, ['provisioned'], 'active', input.now);
        if (terminal === undefined) {
          const current = await trx.selectFrom('terminals').select('status').where('id', '=', input.terminalId).executeTakeFirst();
          return { ok: false, reason: 'terminal_state', terminalStatus: current?.status ?? null };
        }
        // The one conditional UPDATE: of concurrent redemptions of a code, only the first matches.
        const used =
          input.hashes.length === 0
            ? undefined
            : await trx
                .updateTable('activation_codes')
                .set({ status: 'used', used_by: input.terminalId, used_at: at })
                .where('code_hash', 'in', [...input.hashes])
                .where('status', '=', 'issued')
                .where('expires_at', '>', at)
                .returning('code_hash')
                .executeTakeFirst();
        // No code consumed: undo the terminal's move with the rest of the transaction.
        if (used === undefined) throw new Rollback(await this.#whyNot(trx, input.hashes, at));
        const code = toCode(await this.#selectCodes(trx).where('c.code_hash', '=', used.code_hash).executeTakeFirstOrThrow());
        return { ok: true, code, terminal };
      });
    } catch (err) {
      if (err instanceof Rollback) return err.result;
      throw err;
    }
  }

  /** Why a code did not match the conditional UPDATE (read in the same transaction). */
  async #whyNot(trx: Transaction<Database>, hashes: readonly string[], at: string): Promise<RedeemResult> {
    if (hashes.length === 0) return { ok: false, reason: 'unknown' };
    const row = await this.#selectCodes(trx)
      .where('c.code_hash', 'in', [...hashes])
      .executeTakeFirst();
    if (row === undefined) return { ok: false, reason: 'unknown' };
    const code = toCode(row);
    if (code.status === 'used') return { ok: false, reason: 'used', code };
    if (code.status === 'revoked') return { ok: false, reason: 'revoked', code };
    // Issued but not matched: past its expiry at `at`.
    return { ok: false, reason: row.expires_at <= at ? 'expired' : 'used', code };
  }
}

function toBatch(r: { id: string; product: string; code_count: number; expires_at: string; created_at: string; revoked_at: string | null }): CodeBatchRecord {
  return { id: r.id, product: r.product, count: Number(r.code_count), expiresAt: new Date(r.expires_at), createdAt: new Date(r.created_at), revokedAt: dateOrNull(r.revoked_at) };
}
