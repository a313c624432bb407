// The server's view of terminal keys: K_t re-derived from the master key on demand (the
// database holds no terminal secret), and decoy keys for ids that have no usable key so an
// unknown terminal costs and looks the same as a known one. Derived keys are kept in a
// bounded LRU so a busy terminal's handshake does not pay for HKDF again.
import { deriveLotKey, deriveLotTerminalKey } from '../../protocol/factory/lotKeys.ts';
import { deriveSubkey, deriveTerminalKey } from '../../protocol/keys.ts';
import type { Primitives } from '../../protocol/primitives.ts';
import type { MasterKeyRing } from '../config/masterKeys.ts';
import { LruCache } from './lruCache.ts';

/** Derives terminal keys for one deployment. */
export interface TerminalKeys {
  /**
   * K_t of a terminal under the master key `kid` (through its lot key for a factory-made
   * terminal); undefined when the kid is unknown.
   */
  keyFor(terminalId: string, kid: number, lotId?: string | null): Uint8Array | undefined;
  /** K_lot of a production lot under the master key `kid`. */
  lotKey(lotId: string, kid: number): Uint8Array | undefined;
  /** A stable stand-in key for a terminal that does not exist. */
  decoyFor(terminalId: string): Uint8Array;
}

/** Creates the key deriver for a master-key ring; `cacheSize` bounds the keys kept. */
export function createTerminalKeys(p: Primitives, ring: MasterKeyRing, cacheSize = 10_000): TerminalKeys {
  const decoySecret = deriveSubkey(p, 'sha256', ring.current.key, 'decoy');
  const cache = new LruCache<Uint8Array>(cacheSize);
  const lotKeyOf = (master: Uint8Array, lotId: string, kid: number) => cache.get(`lot\u0000${kid}\u0000${lotId}`, () => deriveLotKey(p, master, lotId));
  return {
    keyFor(terminalId, kid, lotId) {
      const master = ring.get(kid);
      if (!master) return undefined;
      // The lot key is only needed (and only looked up) when the terminal key is not cached.
      return cache.get(`${kid}\u0000${lotId ?? ''}\u0000${terminalId}`, () => (lotId ? deriveLotTerminalKey(p, lotKeyOf(master, lotId, kid), terminalId) : deriveTerminalKey(p, master, terminalId)));
    },
    lotKey(lotId, kid) {
      const master = ring.get(kid);
      return master ? lotKeyOf(master, lotId, kid) : undefined;
    },
    // Cached like real keys, so unknown ids cost the same as known ones.
    decoyFor: (terminalId) => cache.get(`decoy\u0000${terminalId}`, () => deriveTerminalKey(p, decoySecret, terminalId)),
  };
}
