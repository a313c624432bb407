// A small bounded least-recently-used cache for values derived from secrets we already hold
// (terminal keys, session request keys): a hit skips an HKDF; a miss recomputes.

/** Least-recently-used map with a fixed capacity. */
export class LruCache<V> {
  readonly #map = new Map<string, V>();
  constructor(readonly capacity: number) {}

  /** The cached value, or `make()`'s, which is then cached. */
  get(key: string, make: () => V): V {
    let v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
    } else {
      v = make();
      if (this.#map.size >= this.capacity) this.#map.delete(this.#map.keys().next().value!);
    }
    this.#map.set(key, v);
    return v;
  }
}
