// The bundle block digest of src/protocol/factory/lotBundle.ts (blockDigest), computed
// incrementally with node:crypto as records stream past, so provisioning keeps no block of
// records in memory. test/cli/blockHasher.test.ts checks it equals blockDigest.
import { createHash, type Hash } from 'node:crypto';
import { LABEL_PREFIX } from '../../protocol/transcript.ts';

function item(hash: Hash, bytes: Uint8Array): void {
  hash.update(new Uint8Array([bytes.length >>> 8, bytes.length & 0xff]));
  hash.update(bytes);
}

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

  /** The digest of the records so far; more may be added afterwards. */
  digest(): Uint8Array {
    return new Uint8Array(this.#hash.copy().digest());
  }
}
