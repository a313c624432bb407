// The bindings sub-store over Kysely (SQLite and PostgreSQL, same SQL). Activation runs in
// one transaction; the partial unique indexes of migration 0002 refuse a second active
// binding, and a refused transaction is retried, so concurrent activations take turns. What
// the indexes cannot see (a number hashed under several kids, pending rows) is serialized by
// advisory locks on PostgreSQL (bindingLocks.ts).
import { type Kysely, type Transaction, sql } from 'kysely';
import { lockBindingKeys } from './bindingLocks.ts';
import type {
  ActivateBinding,
  ActivationResult,
  BindingListQuery,
  BindingRecord,
  BindingStatus,
  BindingStore,
  BindingsTable,
  NewBinding,
} from './bindingStoreTypes.ts';
import { checkLimit, dateOrNull, iso, isoOrNull } from './sqlValues.ts';
import type { Database } from './types.ts';

const ATTEMPTS = 60;
// PostgreSQL unique_violation, deadlock_detected, serialization_failure; SQLite unique/busy.
const RETRYABLE = new Set(['23505', '40P01', '40001', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_BUSY']);

class NotPending extends Error {}

function toBinding(row: BindingsTable): BindingRecord {
  return {
    id: row.id,
    terminalId: row.terminal_id,
    appId: row.app_id,
    hashKid: Number(row.hash_kid),
    hashes: { msisdn: row.msisdn_hash, iccid: row.iccid_hash, imsi: row.imsi_hash, seSerial: row.se_hash },
    msisdnLast4: row.msisdn_last4,
    status: row.status as BindingStatus,
    exclusive: Number(row.exclusive) === 1,
    reason: row.reason,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    verifiedAt: dateOrNull(row.verified_at),
    endedAt: dateOrNull(row.ended_at),
    cooldownUntil: dateOrNull(row.cooldown_until),
    expiresAt: dateOrNull(row.expires_at),
  };
}

const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));

/** {@link BindingStore} over a migrated Kysely database. */
export class KyselyBindingStore implements BindingStore {
  readonly #db: Kysely<Database>;
  readonly #dialect: 'sqlite' | 'postgres';

  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres') {
    this.#db = db;
    this.#dialect = dialect;
  }

  async createPending(b: NewBinding): Promise<BindingRecord> {
    const now = iso(b.now, 'now');
    const row: BindingsTable = {
      id: b.id,
      terminal_id: b.terminalId,
      app_id: b.appId,
      hash_kid: b.hashKid,
      msisdn_hash: b.hashes.msisdn,
      iccid_hash: b.hashes.iccid,
      imsi_hash: b.hashes.imsi,
      se_hash: b.hashes.seSerial,
      msisdn_last4: b.msisdnLast4,
      status: 'pending',
      exclusive: 0,
      reason: null,
      created_at: now,
      updated_at: now,
      verified_at: null,
      ended_at: null,
      cooldown_until: null,
      expires_at: iso(b.expiresAt, 'expiresAt'),
    };
    await this.#db.transaction().execute(async (trx) => {
      // Concurrent registrations of one terminal take turns, so each ends the one before it.
      await lockBindingKeys(trx, this.#dialect, 'terminal', [b.terminalId]);
      await trx
        .updateTable('bindings')
        .set({ status: 'ended', reason: 'superseded', ended_at: now, updated_at: now })
        .where('terminal_id', '=', b.terminalId)
        .where('status', '=', 'pending')
        .execute();
      await trx.insertInto('bindings').values(row).execute();
    });
    return toBinding(row);
  }

  async get(id: string): Promise<BindingRecord | undefined> {
    const row = await this.#db.selectFrom('bindings').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toBinding(row);
  }

  async current(terminalId: string): Promise<BindingRecord | undefined> {
    const row = await this.#db
      .selectFrom('bindings')
      .selectAll()
      .where('terminal_id', '=', terminalId)
      .where('status', 'in', ['active', 'suspended'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toBinding(row);
  }

  async list(q: BindingListQuery): Promise<BindingRecord[]> {
    if (q.msisdnHashes !== undefined && q.msisdnHashes.length === 0) return [];
    let query = this.#db.selectFrom('bindings').selectAll();
    if (q.terminalId !== undefined) query = query.where('terminal_id', '=', q.terminalId);
    if (q.appId !== undefined) query = query.where('app_id', '=', q.appId);
    if (q.status !== undefined) query = query.where('status', '=', q.status);
    if (q.msisdnHashes !== undefined) query = query.where('msisdn_hash', 'in', [...q.msisdnHashes]);
    if (q.before !== undefined) query = query.where('id', '<', q.before);
    const rows = await query.orderBy('id', 'desc').limit(checkLimit(q.limit)).execute();
    return rows.map(toBinding);
  }

  async activate(id: string, a: ActivateBinding): Promise<ActivationResult | undefined> {
    const now = iso(a.now, 'now');
    const cooldown = isoOrNull(a.cooldownUntil, 'cooldownUntil');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#db.transaction().execute((trx) => this.#activateOnce(trx, id, a, now, cooldown));
      } catch (err) {
        if (err instanceof NotPending) return undefined;
        const code = String((err as { code?: unknown } | null)?.code);
        if (!RETRYABLE.has(code) || attempt >= ATTEMPTS) throw err;
        await pause(attempt);
      }
    }
  }

  async #activateOnce(trx: Transaction<Database>, id: string, a: ActivateBinding, now: string, cooldown: string | null): Promise<ActivationResult> {
    const me = await trx.selectFrom('bindings').selectAll().where('id', '=', id).executeTakeFirst();
    if (me?.status !== 'pending') throw new NotPending();
    const hashes = [...new Set([me.msisdn_hash, ...a.msisdnHashes])];
    // Every hash of the number, whatever kid made it: a claim under kid 1 and one under kid 2
    // have different index keys, so only this lock makes the second see the first.
    if (a.exclusive) await lockBindingKeys(trx, this.#dialect, 'number', hashes.map((h) => `${me.app_id}:${h}`));
    const superseded = await trx
      .updateTable('bindings')
      .set({ status: 'ended', reason: 'superseded', ended_at: now, updated_at: now })
      .where('terminal_id', '=', me.terminal_id)
      .where('id', '!=', id)
      .where('status', 'in', ['pending', 'active', 'suspended'])
      .returningAll()
      .execute();
    const replaced = a.exclusive
      ? await trx
          .updateTable('bindings')
          .set({ status: 'ended', reason: 'replaced', ended_at: now, updated_at: now })
          .where('app_id', '=', me.app_id)
          .where('msisdn_hash', 'in', hashes)
          .where('id', '!=', id)
          .where('status', 'in', ['active', 'suspended'])
          .returningAll()
          .execute()
      : [];
    const activated = await trx
      .updateTable('bindings')
      .set({ status: 'active', exclusive: a.exclusive ? 1 : 0, reason: null, verified_at: now, updated_at: now, cooldown_until: cooldown, expires_at: null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (activated === undefined) throw new NotPending(); // rolls the endings back
    return { binding: toBinding(activated), ended: [...superseded, ...replaced].map(toBinding) };
  }

  async transition(id: string, from: readonly BindingStatus[], to: BindingStatus, reason: string | null, now: Date): Promise<BindingRecord | undefined> {
    if (from.length === 0) return undefined;
    const at = iso(now, 'now');
    const row = await this.#db
      .updateTable('bindings')
      .set({ status: to, reason, updated_at: at, ended_at: to === 'ended' ? at : sql<string | null>`${sql.ref('ended_at')}` })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toBinding(row);
  }
}
