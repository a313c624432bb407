// Hardware evidence (docs/protocol.md §4.1): in every hello (and so at activation) a
// factory-made terminal shows that it still runs on the hardware it was made for, without
// revealing the fingerprint: a fresh salt and a MAC over the fingerprint hash.
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { deriveSubkey } from '../keys.ts';
import type { Primitives } from '../primitives.ts';
import { transcript } from '../transcript.ts';

/** The evidence object carried in `hello`. */
export interface HardwareEvidence {
  /** 16 random bytes, base64url. */
  salt: string;
  /** HMAC-SHA256(K_ev, transcript("hw-evidence", [terminalId, nonceT, salt, fph])), base64url. */
  mac: string;
}

function evidenceMac(p: Primitives, terminalKey: Uint8Array, terminalId: string, nonceT: Uint8Array, salt: Uint8Array, fph: Uint8Array): Uint8Array {
  const key = deriveSubkey(p, 'sha256', terminalKey, 'hw-evidence');
  return p.hmac('sha256', key, transcript('hw-evidence', [terminalId, nonceT, salt, fph]));
}

/** Makes fresh evidence for one hello. */
export function makeHardwareEvidence(p: Primitives, terminalKey: Uint8Array, terminalId: string, nonceT: Uint8Array, fph: Uint8Array): HardwareEvidence {
  const salt = p.randomBytes(16);
  return { salt: toBase64Url(salt), mac: toBase64Url(evidenceMac(p, terminalKey, terminalId, nonceT, salt, fph)) };
}

/** Checks evidence against the factory record's fingerprint hash, in constant time. */
export function checkHardwareEvidence(p: Primitives, terminalKey: Uint8Array, terminalId: string, nonceT: Uint8Array, fph: Uint8Array, evidence: HardwareEvidence | undefined): boolean {
  if (!evidence) return false;
  let salt: Uint8Array;
  let mac: Uint8Array;
  try {
    salt = fromBase64Url(evidence.salt);
    mac = fromBase64Url(evidence.mac);
  } catch {
    return false;
  }
  if (salt.length !== 16) return false;
  return p.equal(evidenceMac(p, terminalKey, terminalId, nonceT, salt, fph), mac);
}
