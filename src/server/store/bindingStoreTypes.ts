// The durable contract of SIM/secure-element bindings (docs/binding.md). Identifiers are
// held only as keyed hashes (base64url HMAC-SHA256 under the key of `hashKid`); the phone
// number keeps its last four digits for display. Every backend passes the binding cases
// of the durable conformance suite.

/**
 * Lifecycle of a binding: `pending` (code sent) → `active` → `suspended` (a check failed or
 * an admin acted) → `ended` (replaced, superseded, released, expired). Stored as plain text.
 */
export type BindingStatus = 'pending' | 'active' | 'suspended' | 'ended';

/** Keyed hashes of the four identifiers, all under one key id. */
export interface BindingHashes {
  msisdn: string;
  iccid: string;
  imsi: string;
  seSerial: string;
}

/** A binding as stored. */
export interface BindingRecord {
  /** Time-ordered id (ULID-shaped): newer bindings sort higher. */
  id: string;
  terminalId: string;
  appId: string;
  /** Master-key id the identifier hashes are keyed under. */
  hashKid: number;
  hashes: BindingHashes;
  msisdnLast4: string;
  status: BindingStatus;
  /** Whether this binding claims its number exclusively within its app (one-per-number policy). */
  exclusive: boolean;
  /** Why it was suspended or ended (`sim_changed`, `replaced`, `admin`, …); null otherwise. */
  reason: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** When the verification code was confirmed; null while pending. */
  verifiedAt: Date | null;
  endedAt: Date | null;
  /** Sensitive calls are refused until then (cool-down after a SIM change). */
  cooldownUntil: Date | null;
  /** A pending binding's code expires then; null once confirmed. */
  expiresAt: Date | null;
}

/** Input of {@link BindingStore.createPending}. */
export interface NewBinding extends Pick<BindingRecord, 'id' | 'terminalId' | 'appId' | 'hashKid' | 'hashes' | 'msisdnLast4'> {
  expiresAt: Date;
  now: Date;
}

/** Query of {@link BindingStore.list}: newest first, keyset pagination by id. */
export interface BindingListQuery {
  terminalId?: string;
  appId?: string;
  status?: BindingStatus;
  /** Only bindings whose number hash is one of these (the number hashed under each kid). */
  msisdnHashes?: readonly string[];
  limit: number;
  /** Only ids strictly lower than this one (the last id of the previous page). */
  before?: string;
}

/** Input of {@link BindingStore.activate}. */
export interface ActivateBinding {
  now: Date;
  /** Claim the number exclusively: end every other active or suspended binding of it in the app. */
  exclusive: boolean;
  /** The binding's number hashed under every kid in use, so bindings keyed under older kids end too. */
  msisdnHashes: readonly string[];
  cooldownUntil: Date | null;
}

/** What an activation did. */
export interface ActivationResult {
  binding: BindingRecord;
  /** Bindings it ended, with `reason` `superseded` (same terminal) or `replaced` (same number elsewhere). */
  ended: BindingRecord[];
}

/** Binding records. */
export interface BindingStore {
  /** Inserts a `pending` binding and ends the terminal's other pending ones (`superseded`), atomically. */
  createPending(b: NewBinding): Promise<BindingRecord>;
  get(id: string): Promise<BindingRecord | undefined>;
  /** The terminal's newest `active` or `suspended` binding. */
  current(terminalId: string): Promise<BindingRecord | undefined>;
  /** Bindings newest first. */
  list(q: BindingListQuery): Promise<BindingRecord[]>;
  /**
   * Makes a pending binding active, atomically ending the terminal's other non-ended
   * bindings and (when exclusive) the number's other active or suspended bindings in the
   * app. Of concurrent activations that claim one number, each wins in turn; at any moment
   * at most one is active. Resolves undefined when the binding is not pending.
   */
  activate(id: string, a: ActivateBinding): Promise<ActivationResult | undefined>;
  /**
   * Moves a binding from one of `from` to `to` (setting `reason`, and `endedAt` for
   * `ended`); undefined when it is not in one of `from` (or does not exist).
   */
  transition(id: string, from: readonly BindingStatus[], to: BindingStatus, reason: string | null, now: Date): Promise<BindingRecord | undefined>;
}

/** Row shape of the `bindings` table. Dates are ISO-8601 text. */
export interface BindingsTable {
  id: string;
  terminal_id: string;
  app_id: string;
  hash_kid: number;
  msisdn_hash: string;
  iccid_hash: string;
  imsi_hash: string;
  se_hash: string;
  msisdn_last4: string;
  status: string;
  /** 1 when the binding claims its number exclusively, else 0. */
  exclusive: number;
  reason: string | null;
  created_at: string;
  updated_at: string;
  verified_at: string | null;
  ended_at: string | null;
  cooldown_until: string | null;
  expires_at: string | null;
}
