// The durable-state contract of the server: terminal records and the security event log.
// Every backend (SQLite, PostgreSQL, …) implements these interfaces and passes the one
// conformance suite in test/server/store/durableStoreContract.ts.
import type { ActivationBatchesTable, ActivationCodeStore, ActivationCodesTable } from './activationCodeStoreTypes.ts';
import type { BindingStore, BindingsTable } from './bindingStoreTypes.ts';
import type { LotStore, LotsTable } from './lotStoreTypes.ts';
import type { UpdateChunksTable, UpdateStore, UpdatesTable } from './updateStoreTypes.ts';

export type * from './activationCodeStoreTypes.ts';
export type * from './bindingStoreTypes.ts';
export type * from './lotStoreTypes.ts';
export type * from './updateStoreTypes.ts';

/**
 * Lifecycle state of a terminal (docs/factory.md §6): `provisioned` (made at the factory,
 * not yet activated) → `active`; `restricted` (update-only) and `revoked` from any state.
 * Stored as plain text with no CHECK constraint, so a later state needs no migration.
 */
export type TerminalStatus = 'provisioned' | 'active' | 'restricted' | 'revoked';

/** A terminal as the server remembers it. Holds no secret: keys derive from `kid`. */
export interface TerminalRecord {
  id: string;
  /** Version of the master key its terminal key derives from. */
  kid: number;
  status: TerminalStatus;
  /** Suites the terminal may negotiate, in preference order. */
  suites: string[];
  label: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** When the terminal was first revoked; null unless `status` is `'revoked'`. */
  revokedAt: Date | null;
  /** The production lot of a factory-made terminal (its key derives from the lot key). */
  lotId: string | null;
  /** Fingerprint hash (base64url) of the hardware it was made for; null for terminals added by hand. */
  hwHash: string | null;
  /** While restricted: the state a restore returns it to; null in every other state. */
  restrictedFrom: 'provisioned' | 'active' | null;
}

/** Input of {@link TerminalStore.create}; a new terminal starts `'active'` unless told otherwise. */
export interface NewTerminal {
  id: string;
  kid: number;
  suites: string[];
  label?: string | null;
  now: Date;
  status?: 'active' | 'provisioned';
  lotId?: string | null;
  hwHash?: string | null;
}

/** Query of {@link TerminalStore.list}: keyset pagination ordered by id (byte order). */
export interface TerminalListQuery {
  status?: TerminalStatus;
  limit: number;
  /** Return only ids strictly greater than this one (the last id of the previous page). */
  after?: string;
}

/** Terminal records keyed by id. */
export interface TerminalStore {
  /** Inserts a terminal; throws `TesseraError('terminal.exists')` if the id is taken, also under a race. */
  create(t: NewTerminal): Promise<TerminalRecord>;
  get(id: string): Promise<TerminalRecord | undefined>;
  /** Records ordered by id; pass the last id of a page as `after` to get the next. */
  list(q: TerminalListQuery): Promise<TerminalRecord[]>;
  /** Sets the status and `updatedAt`; returns undefined when there is no such terminal. */
  setStatus(id: string, status: TerminalStatus, now: Date): Promise<TerminalRecord | undefined>;
  /**
   * Moves a terminal to `to` only if its status is one of `from`, atomically (one conditional
   * UPDATE); undefined when it is absent or in another state.
   */
  transition(id: string, from: readonly TerminalStatus[], to: TerminalStatus, now: Date): Promise<TerminalRecord | undefined>;
  /**
   * Moves a restricted terminal back to the state it was restricted from (`restrictedFrom`,
   * `active` when unknown), atomically; undefined when it is absent or not restricted.
   */
  restore(id: string, now: Date): Promise<TerminalRecord | undefined>;
  /** Inserts many terminals in one transaction, skipping ids that exist; returns how many were new. */
  createMany(terminals: readonly NewTerminal[]): Promise<number>;
}

/** One entry of the security event log. */
export interface SecurityEvent {
  /** Opaque, unique, and ordered like `at` (then like insertion within one process). */
  id: string;
  at: Date;
  /** Dotted event type, e.g. `auth.refused`. */
  type: string;
  terminalId: string | null;
  /** Where it came from: an address, a component name. */
  source: string | null;
  detail: Record<string, unknown>;
}

/** Query of {@link EventStore.list}: newest first, keyset pagination by event id. */
export interface EventListQuery {
  terminalId?: string;
  type?: string;
  limit: number;
  /** Return only events older than this event id (the last id of the previous page). */
  before?: string;
}

/** The append-only security event log. */
export interface EventStore {
  append(e: Omit<SecurityEvent, 'id'>): Promise<SecurityEvent>;
  /** Events newest first. */
  list(q: EventListQuery): Promise<SecurityEvent[]>;
}

/**
 * Facts about the deployment itself, keyed by name (e.g. `server_id`). A value, once
 * stored, is never replaced: every process sharing the database reads the first one.
 */
export interface DeploymentMetaStore {
  get(key: string): Promise<string | undefined>;
  /**
   * Stores `value` unless `key` already has one, atomically (also between processes);
   * returns the value stored now, which is the earlier one when there was one.
   */
  putIfAbsent(key: string, value: string): Promise<string>;
}

/** Everything the server keeps durably, behind one connection. */
export interface DurableStore {
  terminals: TerminalStore;
  events: EventStore;
  /** SIM/secure-element bindings (docs/binding.md). */
  bindings: BindingStore;
  /** Production lots (docs/factory.md). */
  lots: LotStore;
  /** Published signed updates and their files (docs/protocol.md, "Signed updates"). */
  updates: UpdateStore;
  /** Purchase activation codes, as keyed hashes (docs/protocol.md §12). */
  activationCodes: ActivationCodeStore;
  /** Deployment facts such as the server id (docs/operations.md, "Master keys and rotation"). */
  meta: DeploymentMetaStore;
  dialect: 'sqlite' | 'postgres';
  /** Resolves when the database answers; throws `TesseraError('server.unavailable')` otherwise. */
  ping(): Promise<void>;
  /** Closes the connection(s); the store is unusable afterwards. */
  close(): Promise<void>;
}

/** Row shape of the `terminals` table. Dates are ISO-8601 text (`Date#toISOString`). */
export interface TerminalsTable {
  id: string;
  kid: number;
  status: string;
  /** JSON array of suite names. */
  suites: string;
  label: string | null;
  created_at: string;
  updated_at: string;
  revoked_at: string | null;
  lot_id: string | null;
  hw_hash: string | null;
  /** While `status` is 'restricted': the state it was restricted from ('provisioned' or 'active'). */
  restricted_from: string | null;
}

/** Row shape of the `security_events` table. */
export interface SecurityEventsTable {
  id: string;
  at: string;
  type: string;
  terminal_id: string | null;
  source: string | null;
  /** JSON object. */
  detail: string;
}

/** Row shape of the `deployment_meta` table. */
export interface DeploymentMetaTable {
  key: string;
  value: string;
}

/** The Kysely database type of the durable store. */
export interface Database {
  terminals: TerminalsTable;
  security_events: SecurityEventsTable;
  bindings: BindingsTable;
  lots: LotsTable;
  updates: UpdatesTable;
  update_chunks: UpdateChunksTable;
  activation_batches: ActivationBatchesTable;
  activation_codes: ActivationCodesTable;
  deployment_meta: DeploymentMetaTable;
}
