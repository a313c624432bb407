// The durable store over an injected Kysely instance: one implementation and the same SQL
// for SQLite and PostgreSQL. Dates are ISO-8601 text (exact to the millisecond, sortable),
// arrays and objects are JSON text, and duplicates are caught by the primary key.
import { randomBytes } from 'node:crypto';
import type SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import { type CompiledQuery, createQueryId, type Kysely, sql } from 'kysely';
import { TesseraError } from '../../protocol/errors.ts';
import { KyselyActivationCodeStore } from './kyselyActivationCodeStore.ts';
import { KyselyBindingStore } from './kyselyBindingStore.ts';
import { KyselyDeploymentMetaStore } from './kyselyDeploymentMetaStore.ts';
import { KyselyLotStore } from './kyselyLotStore.ts';
import { KyselyUpdateStore } from './kyselyUpdateStore.ts';
import { bulkInsertTerminals, TERMINAL_COLUMNS } from './bulkInsertTerminals.ts';
import { dialectOf } from './migrations.ts';
import { checkLimit, dateOrNull, isUniqueViolation, iso } from './sqlValues.ts';
import { encodeUlid, ULID_MAX_RANDOM, ulidRandom } from './ulid.ts';
import type {
  BindingStore,
  Database,
  DurableStore,
  EventListQuery,
  EventStore,
  NewTerminal,
  SecurityEvent,
  SecurityEventsTable,
  TerminalListQuery,
  TerminalRecord,
  TerminalStatus,
  TerminalStore,
  TerminalsTable,
} from './types.ts';

const MAX_TIME = 2 ** 48 - 1;

// Event ids are ULID-shaped (https://github.com/ulid/spec): 48-bit time of `at` then 80
// random bits, incremented instead of redrawn within one millisecond, so ids sort like
// `at` and, within a millisecond, like appends in this process.
let lastMs = -1;
let lastRandom = 0n;
function nextEventId(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIME) throw new RangeError('event time is out of range');
  if (ms === lastMs && lastRandom < ULID_MAX_RANDOM) {
    lastRandom += 1n;
  } else {
    lastMs = ms;
    lastRandom = ulidRandom(randomBytes(10));
  }
  return encodeUlid(ms, lastRandom);
}

function toTerminal(row: TerminalsTable): TerminalRecord {
  return {
    id: row.id,
    kid: Number(row.kid),
    status: row.status as TerminalStatus,
    suites: JSON.parse(row.suites) as string[],
    label: row.label,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    revokedAt: dateOrNull(row.revoked_at),
    lotId: row.lot_id ?? null,
    hwHash: row.hw_hash ?? null,
    restrictedFrom: (row.restricted_from ?? null) as TerminalRecord['restrictedFrom'],
  };
}

const UNSET: unique symbol = Symbol('unset');

/** The row of a new terminal; `now` and `suites` as text, when the caller has them already. */
function terminalRow(t: NewTerminal, now = iso(t.now, 'now'), suites = JSON.stringify(t.suites)): TerminalsTable {
  return {
    id: t.id,
    kid: t.kid,
    status: t.status ?? 'active',
    suites,
    label: t.label ?? null,
    created_at: now,
    updated_at: now,
    revoked_at: null,
    lot_id: t.lotId ?? null,
    hw_hash: t.hwHash ?? null,
    restricted_from: null,
  };
}

function toEvent(row: SecurityEventsTable): SecurityEvent {
  return {
    id: row.id,
    at: new Date(row.at),
    type: row.type,
    terminalId: row.terminal_id,
    source: row.source,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}

/**
 * The connection under a store's Kysely instance, for the lookup every handshake makes:
 * better-sqlite3 (a statement run synchronously outside a transaction reads committed rows,
 * as Kysely's driver would, without its connection lock and promise hops) or a pg pool (a
 * named statement, so PostgreSQL parses it once per connection). Everything else
 * goes through Kysely.
 */
export interface DirectConnection {
  sqlite?: SqliteDatabase.Database;
  pgPool?: pg.Pool;
}

class KyselyTerminalStore implements TerminalStore {
  readonly #db: Kysely<Database>;
  /** The lookup every handshake makes, compiled once; each call only swaps the parameter. */
  readonly #getById: CompiledQuery<TerminalsTable>;
  /** The database under `#db`, when the lookup may skip Kysely's driver (see {@link DirectConnection}). */
  readonly #direct: DirectConnection | undefined;
  #sqliteGet: SqliteDatabase.Statement<[string], TerminalsTable> | undefined;
  /** Name of the lookup's PostgreSQL statement; a new one after a migration invalidated the old. */
  #pgStatement = 'tessera_terminal_by_id';
  #pgGeneration = 0;

  constructor(db: Kysely<Database>, direct?: DirectConnection) {
    this.#db = db;
    // Named columns, not `*`: a statement PostgreSQL keeps prepared on a pooled connection
    // stays valid when a later migration adds a column.
    this.#getById = db.selectFrom('terminals').select(TERMINAL_COLUMNS).where('id', '=', '').compile();
    this.#direct = direct;
  }

  async create(t: NewTerminal): Promise<TerminalRecord> {
    const row = terminalRow(t);
    try {
      await this.#db.insertInto('terminals').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new TesseraError('terminal.exists', `terminal ${t.id} already exists`);
      throw err;
    }
    return toTerminal(row);
  }

  async createMany(terminals: readonly NewTerminal[]): Promise<number> {
    // A factory batch shares one time and one suite list: each becomes text once.
    // UNSET is no value a record can carry: the first record's are always converted (and checked).
    let now: Date | typeof UNSET = UNSET;
    let nowText = '';
    let suites: readonly string[] | typeof UNSET = UNSET;
    let suitesText = '';
    const rows = terminals.map((t) => {
      if (t.now !== now) nowText = iso((now = t.now), 'now');
      if (t.suites !== suites) suitesText = JSON.stringify((suites = t.suites));
      return terminalRow(t, nowText, suitesText);
    });
    return bulkInsertTerminals(this.#db, dialectOf(this.#db), rows);
  }

  async transition(id: string, from: readonly TerminalStatus[], to: TerminalStatus, now: Date): Promise<TerminalRecord | undefined> {
    return from.length === 0 ? undefined : this.#setStatus(id, to, now, from);
  }

  async restore(id: string, now: Date): Promise<TerminalRecord | undefined> {
    // Every SET reads the row as it was: the status comes from restricted_from, which is cleared.
    const row = await this.#db
      .updateTable('terminals')
      .set({ status: sql<string>`coalesce(${sql.ref('restricted_from')}, 'active')`, restricted_from: null, updated_at: iso(now, 'now') })
      .where('id', '=', id)
      .where('status', '=', 'restricted')
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toTerminal(row);
  }

  async setStatus(id: string, status: TerminalStatus, now: Date): Promise<TerminalRecord | undefined> {
    return this.#setStatus(id, status, now);
  }

  /** Sets the status (only from one of `from`, when given); undefined when no row changed. */
  async #setStatus(id: string, status: TerminalStatus, now: Date, from?: readonly TerminalStatus[]): Promise<TerminalRecord | undefined> {
    const at = iso(now, 'now');
    let update = this.#db
      .updateTable('terminals')
      .set({
        status,
        updated_at: at,
        // A repeated revocation keeps the first revocation time; leaving 'revoked' clears it.
        revoked_at: status === 'revoked' ? sql<string>`coalesce(${sql.ref('revoked_at')}, ${at})` : null,
        // Restricting remembers the state it left (the value before this UPDATE); any other move forgets it.
        restricted_from: status === 'restricted' ? sql<string>`case when ${sql.ref('status')} = 'restricted' then ${sql.ref('restricted_from')} else ${sql.ref('status')} end` : null,
      })
      .where('id', '=', id);
    if (from) update = update.where('status', 'in', [...from]);
    const row = await update.returningAll().executeTakeFirst();
    return row === undefined ? undefined : toTerminal(row);
  }

  async get(id: string): Promise<TerminalRecord | undefined> {
    // Inside a SQLite transaction (which Kysely holds across awaits) the read waits its turn
    // through Kysely like any other.
    const direct = this.#direct;
    if (direct?.sqlite && !direct.sqlite.inTransaction) {
      this.#sqliteGet ??= direct.sqlite.prepare<[string], TerminalsTable>(this.#getById.sql);
      const row = this.#sqliteGet.get(id);
      return row === undefined ? undefined : toTerminal(row);
    }
    if (direct?.pgPool) {
      // A named statement: each pooled connection parses it once. A migration that changes
      // a selected column's type (another server version, mid-upgrade) makes every later run
      // of a statement prepared before it fail with 0A000 ("cached plan must not change result
      // type"). That lookup is answered through Kysely, and later ones use a new name, which
      // each connection prepares afresh.
      const name = this.#pgStatement;
      try {
        const { rows } = await direct.pgPool.query<TerminalsTable>({ name, text: this.#getById.sql, values: [id] });
        return rows[0] === undefined ? undefined : toTerminal(rows[0]);
      } catch (err) {
        if ((err as { code?: unknown }).code !== '0A000') throw err;
        if (name === this.#pgStatement) this.#pgStatement = `tessera_terminal_by_id_${++this.#pgGeneration}`;
      }
    }
    const { rows } = await this.#db.executeQuery<TerminalsTable>({ ...this.#getById, parameters: [id], queryId: createQueryId() });
    return rows[0] === undefined ? undefined : toTerminal(rows[0]);
  }

  async list(q: TerminalListQuery): Promise<TerminalRecord[]> {
    let query = this.#db.selectFrom('terminals').selectAll();
    if (q.status !== undefined) query = query.where('status', '=', q.status);
    if (q.after !== undefined) query = query.where('id', '>', q.after);
    const rows = await query.orderBy('id').limit(checkLimit(q.limit)).execute();
    return rows.map(toTerminal);
  }

}

class KyselyEventStore implements EventStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async append(e: Omit<SecurityEvent, 'id'>): Promise<SecurityEvent> {
    const at = iso(e.at, 'at');
    const row: SecurityEventsTable = {
      id: nextEventId(e.at.getTime()),
      at,
      type: e.type,
      terminal_id: e.terminalId,
      source: e.source,
      detail: JSON.stringify(e.detail),
    };
    await this.#db.insertInto('security_events').values(row).execute();
    return toEvent(row);
  }

  async list(q: EventListQuery): Promise<SecurityEvent[]> {
    let query = this.#db.selectFrom('security_events').selectAll();
    if (q.terminalId !== undefined) query = query.where('terminal_id', '=', q.terminalId);
    if (q.type !== undefined) query = query.where('type', '=', q.type);
    if (q.before !== undefined) query = query.where('id', '<', q.before);
    const rows = await query.orderBy('id', 'desc').limit(checkLimit(q.limit)).execute();
    return rows.map(toEvent);
  }
}

/**
 * A {@link DurableStore} over a Kysely instance whose schema is migrated
 * (`migrateToLatest`). It owns the instance: `close()` destroys it.
 * @example const store = new KyselyDurableStore(db); await store.terminals.get('T-0001')
 */
export class KyselyDurableStore implements DurableStore {
  readonly terminals: TerminalStore;
  readonly events: EventStore;
  readonly bindings: BindingStore;
  readonly lots: KyselyLotStore;
  readonly updates: KyselyUpdateStore;
  readonly activationCodes: KyselyActivationCodeStore;
  readonly meta: KyselyDeploymentMetaStore;
  readonly dialect: 'sqlite' | 'postgres';
  /** The underlying Kysely instance (for migrations and maintenance). */
  readonly db: Kysely<Database>;
  #closed = false;

  /** `direct`: the connection under `db`, for the one lookup that skips Kysely's driver. */
  constructor(db: Kysely<Database>, dialect: 'sqlite' | 'postgres' = dialectOf(db), direct?: DirectConnection) {
    this.db = db;
    this.dialect = dialect;
    this.terminals = new KyselyTerminalStore(db, direct);
    this.events = new KyselyEventStore(db);
    this.bindings = new KyselyBindingStore(db, dialect);
    this.lots = new KyselyLotStore(db);
    this.updates = new KyselyUpdateStore(db);
    // A redemption moves the terminal inside its own transaction, through the same terminal store.
    this.activationCodes = new KyselyActivationCodeStore(db, (trx) => new KyselyTerminalStore(trx));
    this.meta = new KyselyDeploymentMetaStore(db);
  }

  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.db);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new TesseraError('server.unavailable', `the ${this.dialect} database does not answer: ${why}`, {
        cause: err,
      });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.destroy();
  }
}
