// The server's view of terminal keys: K_t re-derived from the master key on demand (the
// database holds no terminal secret), and decoy keys for ids that have no usable key so an
// unknown terminal costs and looks the same as a known one. Derived keys are kept in a
// bounded LRU so a busy terminal's handshake does not pay for HKDF again.
import { deriveSubkey, deriveTerminalKey } from '../../protocol/keys.ts';
import type { Primitives } from '../../protocol/primitives.ts';
import type { MasterKeyRing } from '../config/masterKeys.ts';

/** Derives terminal keys for one deployment. */
export interface TerminalKeys {
  /** K_t of a terminal under the master key `kid`; undefined when the kid is unknown. */
  keyFor(terminalId: string, kid: number): Uint8Array | undefined;
  /** A stable stand-in key for a terminal that does not exist. */
  decoyFor(terminalId: string): Uint8Array;
}

/** A small least-recently-used map. */
class Lru<V> {
  readonly #map = new Map<string, V>();
  constructor(readonly max: number) {}
  get(key: string, make: () => V): V {
    let v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
    } else {
      v = make();
      if (this.#map.size >= this.max) this.#map.delete(this.#map.keys().next().value!);
    }
    this.#map.set(key, v);
    return v;
  }
}

/** Creates the key deriver for a master-key ring; `cacheSize` bounds the keys kept. */
export function createTerminalKeys(p: Primitives, ring: MasterKeyRing, cacheSize = 10_000): TerminalKeys {
  const decoySecret = deriveSubkey(p, 'sha256', ring.current.key, 'decoy');
  const cache = new Lru<Uint8Array>(cacheSize);
  return {
    keyFor(terminalId, kid) {
      const master = ring.get(kid);
      return master ? cache.get(`${kid}\u0000${terminalId}`, () => deriveTerminalKey(p, master, terminalId)) : undefined;
    },
    // Cached like real keys, so unknown ids cost the same as known ones.
    decoyFor: (terminalId) => cache.get(`decoy\u0000${terminalId}`, () => deriveTerminalKey(p, decoySecret, terminalId)),
  };
}
