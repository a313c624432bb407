// The factory key hierarchy (docs/factory.md §2): a lot key per production lot, derived from
// the master key, and terminal keys derived from the lot key. A factory station holds only
// its lots' keys, so a compromised station cannot reach terminals of other lots.
import { utf8 } from '../bytes.ts';
import { deriveTerminalKey } from '../keys.ts';
import type { Primitives } from '../primitives.ts';

/** K_lot = HKDF-SHA256(ikm = master[kid], salt = UTF-8(lotId), info = "tessera/1/lot", 32). */
export function deriveLotKey(p: Primitives, master: Uint8Array, lotId: string): Uint8Array {
  return p.hkdf('sha256', master, utf8(lotId), utf8('tessera/1/lot'), 32);
}

/**
 * K_t of a factory-made terminal: the terminal-key derivation with K_lot in place of the
 * master key, HKDF-SHA256(ikm = K_lot, salt = UTF-8(terminalId), info = "tessera/1/terminal", 32).
 */
export function deriveLotTerminalKey(p: Primitives, lotKey: Uint8Array, terminalId: string): Uint8Array {
  return deriveTerminalKey(p, lotKey, terminalId);
}

/** Lot ids: 1–64 characters of A–Z a–z 0–9 . _ : - (same alphabet as terminal ids). */
export const LOT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$';
