// A set of 64-bit keys in two typed arrays (open addressing, linear probing): the factory's
// memory of which terminal ids and hardware fingerprints a lot already holds, at 10–15 bytes
// per key (8 bytes a slot, at most 80 % of slots used) instead of a JavaScript Set of strings. A hit is only "probably seen": the caller
// confirms it exactly (a 64-bit collision between distinct values is ~n²/2⁶⁵).

/** 64-bit FNV-1a of a string's UTF-16 code units, as two 32-bit halves. */
export function stringKey(text: string): [number, number] {
  // Two 32-bit FNV-1a lanes with different offsets stand in for one 64-bit hash.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return [a >>> 0, b >>> 0];
}

/** The first eight bytes of a hash as two 32-bit halves. */
export function bytesKey(bytes: Uint8Array): [number, number] {
  return [((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0, ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>> 0];
}

/** Largest share of slots in use before the table grows by half. */
const MAX_LOAD = 0.8;

/** A growable set of 64-bit keys; the all-zero key is stored as (0, 1). */
export class SeenSet {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #size = 0;

  /** `expected`: how many keys are coming, if known (the table is then made once, not grown). */
  constructor(expected = 0) {
    const n = Math.max(4096, Math.ceil(expected / MAX_LOAD) + 1);
    this.#hi = new Uint32Array(n);
    this.#lo = new Uint32Array(n);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds the key; false when it was (probably) there already. */
  add([hi, lo]: [number, number]): boolean {
    if (hi === 0 && lo === 0) lo = 1;
    if (this.#size + 1 > this.#hi.length * MAX_LOAD) this.#grow();
    const n = this.#hi.length;
    // Multiply-shift onto [0, n) (any n, so the table grows by half, not double).
    for (let i = Math.floor(((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) * (n / 0x100000000)); ; i = i + 1 === n ? 0 : i + 1) {
      if (this.#hi[i] === 0 && this.#lo[i] === 0) {
        this.#hi[i] = hi;
        this.#lo[i] = lo;
        this.#size++;
        return true;
      }
      if (this.#hi[i] === hi && this.#lo[i] === lo) return false;
    }
  }

  #grow(): void {
    const [oldHi, oldLo] = [this.#hi, this.#lo];
    const n = Math.ceil(oldHi.length * 1.5);
    this.#hi = new Uint32Array(n);
    this.#lo = new Uint32Array(n);
    this.#size = 0;
    for (let i = 0; i < oldHi.length; i++) if (oldHi[i] !== 0 || oldLo[i] !== 0) this.add([oldHi[i]!, oldLo[i]!]);
  }
}
