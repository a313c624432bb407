// A set of 64-bit keys in one typed array (open addressing, linear probing): the factory's
// memory of which terminal ids and hardware fingerprints a lot already holds, at 10–15 bytes
// per key (8 bytes a slot, at most 80 % of slots used) instead of a JavaScript Set of strings. A hit is only "probably seen": the caller
// confirms it exactly (a 64-bit collision between distinct values is ~n²/2⁶⁵).

/** A 64-bit key of a string's UTF-16 code units, as two 32-bit halves. */
export function stringKey(text: string): [number, number] {
  // Two 32-bit multiplicative lanes stand in for one 64-bit hash: FNV-1a, and one with
  // another offset and multiplier that also folds in its high bits.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return [a >>> 0, b >>> 0];
}

/** The first eight bytes of a hash (at `offset`) as two 32-bit halves. */
export function bytesKey(bytes: Uint8Array, offset = 0): [number, number] {
  const b = offset;
  return [((bytes[b]! << 24) | (bytes[b + 1]! << 16) | (bytes[b + 2]! << 8) | bytes[b + 3]!) >>> 0, ((bytes[b + 4]! << 24) | (bytes[b + 5]! << 16) | (bytes[b + 6]! << 8) | bytes[b + 7]!) >>> 0];
}

/** Largest share of slots in use before the table grows by half. */
const MAX_LOAD = 0.8;

/** A growable set of 64-bit keys; the all-zero key is stored as (0, 1). */
export class SeenSet {
  /** Slot i holds the key's halves at 2i and 2i + 1: one cache line per probe, not two. */
  #slots: Uint32Array;
  #capacity: number;
  #size = 0;

  /** `expected`: how many keys are coming, if known (the table is then made once, not grown). */
  constructor(expected = 0) {
    this.#capacity = Math.max(4096, Math.ceil(expected / MAX_LOAD) + 1);
    this.#slots = new Uint32Array(2 * this.#capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds the key; false when it was (probably) there already. */
  add([hi, lo]: [number, number]): boolean {
    if (hi === 0 && lo === 0) lo = 1;
    if (this.#size + 1 > this.#capacity * MAX_LOAD) this.#grow();
    const n = this.#capacity;
    const slots = this.#slots;
    // Multiply-shift onto [0, n) (any n, so the table grows by half, not double).
    for (let i = Math.floor(((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) * (n / 0x100000000)); ; i = i + 1 === n ? 0 : i + 1) {
      const h = slots[2 * i]!;
      const l = slots[2 * i + 1]!;
      if (h === 0 && l === 0) {
        slots[2 * i] = hi;
        slots[2 * i + 1] = lo;
        this.#size++;
        return true;
      }
      if (h === hi && l === lo) return false;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#capacity = Math.ceil(this.#capacity * 1.5);
    this.#slots = new Uint32Array(2 * this.#capacity);
    this.#size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.add([old[i]!, old[i + 1]!]);
  }
}
