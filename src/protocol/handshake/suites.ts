// The suite registry: maps a suite name offered in `hello` to the code that makes and checks
// the two proofs and derives the session key. MAC suites are built in; the OCRA family
// (RFC 6287 mutual mode) is resolved from the suite string.
import { toBase64Url, utf8 } from '../bytes.ts';
import { cachedSubkey, deriveSessionKey } from '../keys.ts';
import type { HashName, Primitives } from '../primitives.ts';
import type { HandshakeContext } from './handshakeContext.ts';
import { handshakeTranscript } from './handshakeContext.ts';
import { resolveOcraHandshakeSuite } from './ocraHandshakeSuite.ts';

/** One way of running the mutual handshake. */
export interface HandshakeSuite {
  readonly name: string;
  readonly family: 'mac' | 'ocra';
  /** H_s: the hash of the session key and of the finish confirmation (SHA-256 for OCRA suites). */
  readonly hash: HashName;
  /** The server's proof to the terminal (base64url for MAC suites, digits for OCRA). */
  serverProof(p: Primitives, terminalKey: Uint8Array, ctx: HandshakeContext): string;
  /** The terminal's proof to the server. */
  terminalProof(p: Primitives, terminalKey: Uint8Array, ctx: HandshakeContext): string;
  /** The 32-byte session key both sides derive once both proofs are checked. */
  sessionKey(p: Primitives, terminalKey: Uint8Array, ctx: HandshakeContext): Uint8Array;
  /** K_fc, the key of the finish confirmation: a subkey of the suite's base key (K_t, or K_ocra for OCRA suites). */
  confirmKey(p: Primitives, terminalKey: Uint8Array): Uint8Array;
}

/** HMAC suites: proofs = HMAC(K_dir, transcript) with K_s2t and K_t2s derived from K_t. */
function macSuite(name: string, hash: HashName): HandshakeSuite {
  return Object.freeze({
    name,
    family: 'mac' as const,
    hash,
    serverProof: (p: Primitives, kt: Uint8Array, ctx: HandshakeContext) =>
      toBase64Url(p.hmac(hash, cachedSubkey(p, hash, kt, 's2t'), handshakeTranscript('server-proof', ctx))),
    terminalProof: (p: Primitives, kt: Uint8Array, ctx: HandshakeContext) =>
      toBase64Url(p.hmac(hash, cachedSubkey(p, hash, kt, 't2s'), handshakeTranscript('terminal-proof', ctx))),
    sessionKey: (p: Primitives, kt: Uint8Array, ctx: HandshakeContext) =>
      deriveSessionKey(p, hash, kt, ctx.nonceT, ctx.nonceS, handshakeTranscript('handshake', ctx)),
    // Kept with K_t, like the direction keys.
    confirmKey: (p: Primitives, kt: Uint8Array) => cachedSubkey(p, hash, kt, 'finish-confirm'),
  });
}

const MAC_SUITES: ReadonlyMap<string, HandshakeSuite> = new Map([
  ['hmac-sha256', macSuite('hmac-sha256', 'sha256')],
  ['hmac-sm3', macSuite('hmac-sm3', 'sm3')],
]);

/** Names of the built-in MAC suites, strongest-first by default policy. */
export const MAC_SUITE_NAMES: readonly string[] = [...MAC_SUITES.keys()];

/** Looks a suite up by name; undefined when unknown or not usable for the handshake. */
export function getHandshakeSuite(name: string): HandshakeSuite | undefined {
  return MAC_SUITES.get(name) ?? resolveOcraHandshakeSuite(name);
}

/** Constant-time comparison of two proofs given as strings. */
export function proofsEqual(p: Primitives, expected: string, received: string): boolean {
  return p.equal(utf8(expected), utf8(received));
}
