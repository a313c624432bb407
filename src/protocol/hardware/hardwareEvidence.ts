// Hardware evidence (docs/protocol.md §4.1): in every hello (and so at activation) a
// factory-made terminal shows that it still runs on the hardware it was made for, without
// revealing the fingerprint: a fresh salt and a MAC over the fingerprint hash.
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import { cachedSubkey } from '../keys.ts';
import type { Primitives } from '../primitives.ts';
import { transcript } from '../transcript.ts';

/** The evidence object carried in `hello`. */
export interface HardwareEvidence {
  /** 16 random bytes, base64url. */
  salt: string;
  /** HMAC-SHA256(K_ev, transcript("hw-evidence", [terminalId, nonceT, salt, fph])), base64url. */
  mac: string;
}

const SALT_BYTES = 16;
const MAC_BYTES = 32;

/**
 * The evidence's salt and MAC as bytes; throws `input.invalid_encoding` unless they are
 * canonical base64url of exactly 16 and 32 bytes (so `salt ‖ mac` in the handshake
 * transcript has one reading).
 */
export function decodeHardwareEvidence(evidence: HardwareEvidence): { salt: Uint8Array; mac: Uint8Array } {
  const salt = fromBase64Url(evidence.salt, 'evidence.salt');
  const mac = fromBase64Url(evidence.mac, 'evidence.mac');
  if (salt.length !== SALT_BYTES || mac.length !== MAC_BYTES) {
    throw new TesseraError('input.invalid_encoding', `hardware evidence must be a ${SALT_BYTES}-byte salt and a ${MAC_BYTES}-byte MAC`, { field: 'evidence' });
  }
  return { salt, mac };
}

function evidenceMac(p: Primitives, terminalKey: Uint8Array, terminalId: string, nonceT: Uint8Array, salt: Uint8Array, fph: Uint8Array): Uint8Array {
  const key = cachedSubkey(p, 'sha256', terminalKey, 'hw-evidence');
  return p.hmac('sha256', key, transcript('hw-evidence', [terminalId, nonceT, salt, fph]));
}

/** Makes fresh evidence for one hello. */
export function makeHardwareEvidence(p: Primitives, terminalKey: Uint8Array, terminalId: string, nonceT: Uint8Array, fph: Uint8Array): HardwareEvidence {
  const salt = p.randomBytes(SALT_BYTES);
  return { salt: toBase64Url(salt), mac: toBase64Url(evidenceMac(p, terminalKey, terminalId, nonceT, salt, fph)) };
}

/** Checks evidence against the factory record's fingerprint hash, in constant time. */
export function checkHardwareEvidence(p: Primitives, terminalKey: Uint8Array, terminalId: string, nonceT: Uint8Array, fph: Uint8Array, evidence: HardwareEvidence | undefined): boolean {
  if (!evidence) return false;
  let decoded: { salt: Uint8Array; mac: Uint8Array };
  try {
    decoded = decodeHardwareEvidence(evidence);
  } catch {
    return false;
  }
  return p.equal(evidenceMac(p, terminalKey, terminalId, nonceT, decoded.salt, fph), decoded.mac);
}
