// The bundle block digest of src/protocol/factory/lotBundle.ts (blockDigest), computed
// incrementally with node:crypto as records stream past, so provisioning keeps no block of
// records in memory. test/cli/blockHasher.test.ts checks it equals blockDigest.
import { createHash, type Hash } from 'node:crypto';
import { LABEL_PREFIX } from '../../protocol/transcript.ts';

function item(hash: Hash, bytes: Uint8Array): void {
  hash.update(new Uint8Array([bytes.length >>> 8, bytes.length & 0xff]));
  hash.update(bytes);
}

/** Reused buffer of {@link BlockHasher.addMany} (the main thread hashes one batch at a time). */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** SHA-256(transcript("lot-block", [lotId, u32 index, terminalId_1, fph_1, …])), fed record by record. */
export class BlockHasher {
  readonly index: number;
  #hash: Hash;
  #count = 0;

  constructor(lotId: string, index: number) {
    this.index = index;
    this.#hash = createHash('sha256');
    item(this.#hash, Buffer.from(`${LABEL_PREFIX}lot-block`, 'latin1'));
    item(this.#hash, Buffer.from(lotId, 'utf8'));
    item(this.#hash, new Uint8Array([index >>> 24, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff]));
  }

  /** Records added so far. */
  get count(): number {
    return this.#count;
  }

  add(terminalId: string, fph: Uint8Array): void {
    item(this.#hash, Buffer.from(terminalId, 'utf8'));
    item(this.#hash, fph);
    this.#count++;
  }

  /**
   * Adds records `from` … `to - 1` of a batch: `ids[i]` with the fingerprint hash at
   * `fph[32 i, 32 i + 32)`. The same bytes as {@link add} one by one, in one hash update.
   */
  addMany(ids: readonly string[], fph: Uint8Array, from: number, to: number): void {
    let bound = 0;
    for (let i = from; i < to; i++) bound += 2 + 3 * ids[i]!.length + 2 + 32;
    if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, 2 * scratch.length));
    let off = 0;
    for (let i = from; i < to; i++) {
      const n = scratch.write(ids[i]!, off + 2, 'utf8');
      scratch[off] = n >>> 8;
      scratch[off + 1] = n & 0xff;
      off += 2 + n;
      scratch[off] = 0;
      scratch[off + 1] = 32;
      scratch.set(fph.subarray(32 * i, 32 * i + 32), off + 2);
      off += 34;
    }
    this.#hash.update(scratch.subarray(0, off));
    this.#count += to - from;
  }

  /** The digest of the records so far; more may be added afterwards. */
  digest(): Uint8Array {
    return new Uint8Array(this.#hash.copy().digest());
  }
}
