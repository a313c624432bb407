// Key derivation (docs/protocol.md §3): terminal keys from the master key, direction keys
// for the two proofs, and the session key that both sides derive after a handshake.
import { concatBytes, utf8 } from './bytes.ts';
import type { HashName, Primitives } from './primitives.ts';
import { transcript } from './transcript.ts';

const EMPTY = new Uint8Array(0);
const TERMINAL_INFO = utf8('tessera/1/terminal');

/**
 * K_t = HKDF-SHA256(ikm = master[kid], salt = UTF-8(terminalId), info = "tessera/1/terminal", 32).
 * @example deriveTerminalKey(nodePrimitives, master, 'T-0001')
 */
export function deriveTerminalKey(p: Primitives, master: Uint8Array, terminalId: string): Uint8Array {
  return p.hkdf('sha256', master, utf8(terminalId), TERMINAL_INFO, 32);
}

/**
 * {@link deriveTerminalKey} under one base key for many terminals, the base key prepared once
 * (the factory derives a lot's million keys from its lot key). `base` must not change afterwards.
 * @example const keyOf = terminalKeyDeriver(p, lotKey); const kt = keyOf('L-1-000001');
 */
export function terminalKeyDeriver(p: Primitives, base: Uint8Array): (terminalId: string) => Uint8Array {
  if (!p.hkdfWithKey) return (terminalId) => deriveTerminalKey(p, base, terminalId);
  const derive = p.hkdfWithKey('sha256', base, TERMINAL_INFO, 32);
  return (terminalId) => derive(utf8(terminalId));
}

/** A key for one purpose below a base key: HKDF(hash, base, salt = "", info = "tessera/1/<purpose>"). */
export function deriveSubkey(p: Primitives, hash: HashName, base: Uint8Array, purpose: string, length = 32): Uint8Array {
  return p.hkdf(hash, base, EMPTY, utf8(`tessera/1/${purpose}`), length);
}

/**
 * Subkeys of long-lived base keys, per base-key object: both sides keep K_t as one long-lived
 * array, so a repeat handshake reuses K_s2t, K_t2s and K_ev instead of running HKDF again.
 * Collected with the base key.
 */
const subkeys = new WeakMap<Uint8Array, Map<string, Uint8Array>>();

/** {@link deriveSubkey}, kept while `base` lives. `base` must not change afterwards, nor the key returned. */
export function cachedSubkey(p: Primitives, hash: HashName, base: Uint8Array, purpose: string, length = 32): Uint8Array {
  let keys = subkeys.get(base);
  if (!keys) subkeys.set(base, (keys = new Map()));
  const id = `${hash}/${purpose}/${length}`;
  let key = keys.get(id);
  if (!key) keys.set(id, (key = deriveSubkey(p, hash, base, purpose, length)));
  return key;
}

/**
 * Session key = HKDF(hash, ikm = base key, salt = nonceT ‖ nonceS,
 * info = transcript("session-key", [H(handshake transcript)])).
 */
export function deriveSessionKey(
  p: Primitives,
  hash: HashName,
  base: Uint8Array,
  nonceT: Uint8Array,
  nonceS: Uint8Array,
  handshakeTranscript: Uint8Array,
): Uint8Array {
  const th = p.digest(hash, handshakeTranscript);
  return p.hkdf(hash, base, concatBytes(nonceT, nonceS), transcript('session-key', [th]), 32);
}

/** The key that signs requests (RFC 9421 hmac-sha256) inside a session. */
export function deriveRequestKey(p: Primitives, sessionKey: Uint8Array): Uint8Array {
  return deriveSubkey(p, 'sha256', sessionKey, 'http-signature');
}
