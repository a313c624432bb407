// Updates over Kysely (SQLite and PostgreSQL, the same SQL). A file is written in one
// transaction with its manifest, so no reader ever sees a manifest without all of its bytes,
// and read back chunk by chunk, one query per chunk, as the consumer pulls.
import type { Kysely } from 'kysely';
import { TesseraError } from '../../protocol/errors.ts';
import { parseUpdateVersion } from '../../protocol/updates/updateVersion.ts';
import { checkLimit, isUniqueViolation, iso } from './sqlValues.ts';
import type { Database } from './types.ts';
import type { UpdateListQuery, UpdateRecord, UpdateStore, UpdatesTable } from './updateStoreTypes.ts';

/** Bytes per stored chunk (256 KiB): the most a download holds in memory at a time. */
export const UPDATE_CHUNK_BYTES = 256 * 1024;

const toUpdate = (row: UpdatesTable): UpdateRecord => ({
  version: row.version,
  fileName: row.file_name,
  size: Number(row.size),
  sha256: row.sha256,
  minVersion: row.min_version,
  lots: JSON.parse(row.lots) as string[],
  createdAt: new Date(row.created_at),
  signature: row.signature,
});

/** A Buffer view of the bytes (the SQLite driver binds Buffers, not plain Uint8Arrays). */
const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** {@link UpdateStore} over a migrated Kysely instance. */
export class KyselyUpdateStore implements UpdateStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(update: UpdateRecord, file: Uint8Array): Promise<UpdateRecord> {
    if (file.length !== update.size) throw new RangeError('file length differs from the manifest size');
    const [major, minor, patch] = parseUpdateVersion(update.version);
    const row: UpdatesTable = {
      version: update.version,
      major,
      minor,
      patch,
      file_name: update.fileName,
      size: update.size,
      sha256: update.sha256,
      min_version: update.minVersion,
      lots: JSON.stringify(update.lots),
      created_at: iso(update.createdAt, 'createdAt'),
      signature: update.signature,
    };
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx.insertInto('updates').values(row).execute();
        for (let seq = 0; seq * UPDATE_CHUNK_BYTES < file.length; seq++) {
          const data = asBuffer(file.subarray(seq * UPDATE_CHUNK_BYTES, (seq + 1) * UPDATE_CHUNK_BYTES));
          await trx.insertInto('update_chunks').values({ version: update.version, seq, data }).execute();
        }
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new TesseraError('update.exists', `version ${update.version} is already published`);
      throw err;
    }
    return toUpdate(row);
  }

  async get(version: string): Promise<UpdateRecord | undefined> {
    const row = await this.#db.selectFrom('updates').selectAll().where('version', '=', version).executeTakeFirst();
    return row === undefined ? undefined : toUpdate(row);
  }

  async list(q: UpdateListQuery): Promise<UpdateRecord[]> {
    let query = this.#db.selectFrom('updates').selectAll();
    if (q.below !== undefined) {
      const v = parseUpdateVersion(q.below, 'below');
      query = query.where(({ eb, refTuple, tuple }) => eb(refTuple('major', 'minor', 'patch'), '<', tuple(v[0], v[1], v[2])));
    }
    if (q.above !== undefined) {
      const v = parseUpdateVersion(q.above, 'above');
      query = query.where(({ eb, refTuple, tuple }) => eb(refTuple('major', 'minor', 'patch'), '>', tuple(v[0], v[1], v[2])));
    }
    const rows = await query.orderBy('major', 'desc').orderBy('minor', 'desc').orderBy('patch', 'desc').limit(checkLimit(q.limit)).execute();
    return rows.map(toUpdate);
  }

  async *readFile(version: string, offset = 0): AsyncIterable<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError('offset must be a non-negative integer');
    for (let seq = Math.floor(offset / UPDATE_CHUNK_BYTES); ; seq++) {
      const row = await this.#db
        .selectFrom('update_chunks')
        .select('data')
        .where('version', '=', version)
        .where('seq', '=', seq)
        .executeTakeFirst();
      if (row === undefined) return;
      const data = new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
      const skip = seq === Math.floor(offset / UPDATE_CHUNK_BYTES) ? offset % UPDATE_CHUNK_BYTES : 0;
      yield skip === 0 ? data : data.subarray(skip);
    }
  }
}
