// Durable contract of purchase activation codes (docs/protocol.md §12): batches, and codes
// kept only as keyed hashes with the kid of the key that made them. A code is consumed and
// its terminal activated in one transaction, so neither happens without the other.
import type { TerminalRecord } from './types.ts';

/** Stored status of a code; `expired` is derived from `expiresAt`, never stored. */
export type StoredCodeStatus = 'issued' | 'used' | 'revoked';

/** Status as shown: an issued code past its `expiresAt` is `expired`. */
export type CodeStatus = StoredCodeStatus | 'expired';

/** A batch of codes issued together for one product. */
export interface CodeBatchRecord {
  id: string;
  product: string;
  /** How many codes were issued. */
  count: number;
  expiresAt: Date;
  createdAt: Date;
  /** When the batch was revoked (its unused codes then are `revoked`); null otherwise. */
  revokedAt: Date | null;
}

/** One spent code of a batch, as an operator may see it. */
export interface CodeRedemption {
  terminalId: string;
  usedAt: Date;
}

/** A batch with its codes counted by shown status. */
export interface CodeBatchSummary extends CodeBatchRecord {
  counts: Record<CodeStatus, number>;
}

/** One code as stored: its hash, never the code. */
export interface ActivationCodeRecord {
  /** base64url HMAC-SHA256 of the code's data symbols under the code key of `hashKid`. */
  hash: string;
  /** Master-key version of the key that made `hash`. */
  hashKid: number;
  batchId: string;
  product: string;
  status: StoredCodeStatus;
  expiresAt: Date;
  createdAt: Date;
  /** The terminal that consumed it. */
  usedBy: string | null;
  usedAt: Date | null;
  revokedAt: Date | null;
}

/** Input of {@link ActivationCodeStore.createBatch}. */
export interface NewCodeBatch {
  id: string;
  product: string;
  expiresAt: Date;
  now: Date;
  /** The codes' keyed hashes, all made under `hashKid`. */
  hashes: readonly string[];
  hashKid: number;
}

/** Outcome of {@link ActivationCodeStore.redeem}: typed data, not an exception. */
export type RedeemResult =
  | { ok: true; code: ActivationCodeRecord; terminal: TerminalRecord }
  /** The code was not consumed: unknown, already used, revoked or expired. */
  | { ok: false; reason: 'unknown' | 'used' | 'revoked' | 'expired'; code?: ActivationCodeRecord }
  /** The terminal is absent or not `provisioned`: the code was not looked at, nor changed. */
  | { ok: false; reason: 'terminal_state'; terminalStatus: string | null };

/** Activation codes and their batches. */
export interface ActivationCodeStore {
  /**
   * Inserts a batch and its code hashes in one transaction (in chunks under the drivers'
   * parameter limits): all or nothing. Throws `TesseraError('activation.batch_exists')` if
   * the batch id is taken, also under a race.
   */
  createBatch(batch: NewCodeBatch): Promise<CodeBatchRecord>;
  getBatch(id: string, now: Date): Promise<CodeBatchSummary | undefined>;
  /** Batches ordered by id after `after`, each with its counts as of `now`. */
  listBatches(q: { limit: number; after?: string; now: Date }): Promise<CodeBatchSummary[]>;
  /** Marks every issued code of the batch revoked; returns how many changed (undefined: no such batch). */
  revokeBatch(id: string, now: Date): Promise<number | undefined>;
  /**
   * The batch's spent codes, by the terminal that spent each (ordered by terminal id, after
   * `after`): who activated with this batch, and when. Never a code or its hash.
   */
  listRedemptions(batchId: string, q: { limit: number; after?: string }): Promise<CodeRedemption[]>;
  /** The code with one of these hashes (one per kid of the key ring). */
  find(hashes: readonly string[]): Promise<ActivationCodeRecord | undefined>;
  /**
   * In one transaction: moves the terminal `provisioned → active` (`terminals.transition`)
   * and consumes the code (one conditional UPDATE: issued and not expired at `now`), binding
   * it to the terminal. Either both happen or neither: a terminal that cannot move leaves the
   * code untouched (and unexamined), and a code that cannot be consumed rolls the terminal back.
   */
  redeem(input: { hashes: readonly string[]; terminalId: string; now: Date }): Promise<RedeemResult>;
}

/** Row shape of the `activation_batches` table. */
export interface ActivationBatchesTable {
  id: string;
  product: string;
  code_count: number;
  expires_at: string;
  created_at: string;
  revoked_at: string | null;
}

/** Row shape of the `activation_codes` table. */
export interface ActivationCodesTable {
  code_hash: string;
  hash_kid: number;
  batch_id: string;
  status: string;
  expires_at: string;
  created_at: string;
  used_by: string | null;
  used_at: string | null;
  revoked_at: string | null;
}
