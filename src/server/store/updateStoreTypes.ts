// Durable contract of signed updates (docs/protocol.md, "Signed updates"): each published
// version keeps its manifest, the signature made at publication and the file itself, in
// chunks, so any server process on the same database can serve it without loading it whole.
import type { UpdateManifest } from '../../protocol/updates/updateManifest.ts';

/** A published update: the signed manifest fields plus the signature. Immutable once stored. */
export interface UpdateRecord extends Omit<UpdateManifest, 'createdAt'> {
  createdAt: Date;
  /** Ed25519 signature of the manifest transcript, base64url. */
  signature: string;
}

/** Query of {@link UpdateStore.list}: newest version first, numeric order, both bounds exclusive. */
export interface UpdateListQuery {
  limit: number;
  /** Only versions strictly below this one (the last version of the previous page). */
  below?: string;
  /** Only versions strictly above this one. */
  above?: string;
}

/** Updates keyed by version. */
export interface UpdateStore {
  /**
   * Stores a manifest and its file in one transaction; throws `TesseraError('update.exists')`
   * when the version is taken, also under a race. `file.length` must equal `update.size`.
   */
  create(update: UpdateRecord, file: Uint8Array): Promise<UpdateRecord>;
  get(version: string): Promise<UpdateRecord | undefined>;
  list(q: UpdateListQuery): Promise<UpdateRecord[]>;
  /**
   * The file's bytes from byte `offset` on, one stored chunk at a time (nothing for an
   * unknown version). Each chunk is read when the consumer asks for it.
   */
  readFile(version: string, offset?: number): AsyncIterable<Uint8Array>;
}

/** Row shape of the `updates` table. */
export interface UpdatesTable {
  version: string;
  /** The version's parts, for numeric ordering in SQL. */
  major: number;
  minor: number;
  patch: number;
  file_name: string;
  size: number;
  sha256: string;
  min_version: string | null;
  /** JSON array of lot ids. */
  lots: string;
  created_at: string;
  signature: string;
}

/** Row shape of the `update_chunks` table: the file in fixed-size pieces. */
export interface UpdateChunksTable {
  version: string;
  /** 0, 1, 2, …; every chunk but the last is UPDATE_CHUNK_BYTES long. */
  seq: number;
  data: Uint8Array;
}
