// Durable contract of production lots (docs/factory.md): a lot fixes the master-key version
// its terminal keys derive from and the suite policy written into its OTP images.

/** A production lot. */
export interface LotRecord {
  id: string;
  kid: number;
  /** Handshake suites the lot's terminals offer, in order. */
  handshakeSuites: string[];
  /** AEAD suites the lot allows, in order; the first seals its OTP images. */
  aeadSuites: string[];
  label: string | null;
  createdAt: Date;
}

/** Input of {@link LotStore.create}. */
export interface NewLot {
  id: string;
  kid: number;
  handshakeSuites: string[];
  aeadSuites: string[];
  label?: string | null;
  now: Date;
}

/** Lots keyed by id. */
export interface LotStore {
  /** Inserts a lot; throws `TesseraError('lot.exists')` if the id is taken, also under a race. */
  create(lot: NewLot): Promise<LotRecord>;
  get(id: string): Promise<LotRecord | undefined>;
  /** Lots ordered by id, after `after`. */
  list(q: { limit: number; after?: string }): Promise<LotRecord[]>;
}

/** Row shape of the `lots` table. */
export interface LotsTable {
  id: string;
  kid: number;
  /** JSON arrays. */
  handshake_suites: string;
  aead_suites: string;
  label: string | null;
  created_at: string;
}
