// The server's view of terminal keys: K_t re-derived from the master key on demand (the
// database holds no terminal secret), and decoy keys for ids that have no usable key so an
// unknown terminal costs and looks the same as a known one.
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

/** Creates the key deriver for a master-key ring. */
export function createTerminalKeys(p: Primitives, ring: MasterKeyRing): TerminalKeys {
  const decoySecret = deriveSubkey(p, 'sha256', ring.current.key, 'decoy');
  return {
    keyFor(terminalId, kid) {
      const master = ring.get(kid);
      return master ? deriveTerminalKey(p, master, terminalId) : undefined;
    },
    decoyFor: (terminalId) => deriveTerminalKey(p, decoySecret, terminalId),
  };
}
