// The server's side of the mutual handshake as pure steps (docs/protocol.md §4): choose a
// suite, issue a challenge with the server's proof, then check the terminal's proof. The
// caller supplies randomness, time, keys and storage.
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import { decodeHardwareEvidence, type HardwareEvidence } from '../hardware/hardwareEvidence.ts';
import type { Primitives } from '../primitives.ts';
import { type ConfirmedFinish, finishConfirmKey, makeServerConfirm } from './finishConfirmation.ts';
import type { HandshakeContext } from './handshakeContext.ts';
import { type FinishResponse, HANDSHAKE_LIMITS, type HelloResponse } from './messages.ts';
import { getHandshakeSuite, type HandshakeSuite, proofsEqual } from './suites.ts';

/** What the server keeps (ephemerally) between hello and finish. Holds no secret. */
export interface ChallengeRecord {
  challengeId: string;
  terminalId: string;
  /** The kid and lot the hello named; finish checks them against the terminal's record. */
  kid: number;
  lotId: string | null;
  suite: string;
  offered: string[];
  nonceT: string;
  nonceS: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** The hardware evidence the hello carried, checked at finish. */
  evidence?: HardwareEvidence | undefined;
}

/**
 * Picks the first suite of `preference` that the terminal offered and `allowed` holds. MAC
 * suites always rank above OCRA suites, so a terminal that offered a MAC suite can treat an
 * OCRA choice as a downgrade. The server passes the terminal's offer as `preference` (the
 * order of its lot's or credential's policy, which the transcript covers) and its
 * `TESSERA_SUITES` as `allowed` (docs/protocol.md §4.4).
 * @example
 * chooseSuite(['hmac-sm3', 'hmac-sha256'], ['hmac-sm3', 'hmac-sha256'], ['hmac-sha256', 'hmac-sm3'])?.name; // 'hmac-sm3'
 */
export function chooseSuite(offered: readonly string[], preference: readonly string[], allowed: readonly string[]): HandshakeSuite | undefined {
  const candidates = preference.filter((s) => offered.includes(s) && allowed.includes(s));
  const suites = candidates.map(getHandshakeSuite).filter((s): s is HandshakeSuite => s !== undefined);
  return suites.find((s) => s.family === 'mac') ?? suites[0];
}

/** The handshake context of a stored challenge (nonces given when already decoded). */
function contextOf(serverId: string, r: ChallengeRecord, nonceT = fromBase64Url(r.nonceT, 'nonceT'), nonceS = fromBase64Url(r.nonceS, 'nonceS')): HandshakeContext {
  return {
    serverId,
    terminalId: r.terminalId,
    kid: r.kid,
    suite: r.suite,
    offered: r.offered,
    nonceT,
    nonceS,
    challengeId: r.challengeId,
    evidence: r.evidence,
  };
}

/**
 * Step 2: the challenge record to store and the response carrying the server's proof.
 * Throws `input.invalid_encoding` unless `nonceT` is canonical base64url of 32 bytes and the
 * evidence, when present, a canonical 16-byte salt and 32-byte MAC.
 */
export function issueChallenge(
  p: Primitives,
  input: {
    serverId: string;
    terminalId: string;
    kid: number;
    lotId: string | null;
    offered: string[];
    nonceT: string;
    suite: HandshakeSuite;
    terminalKey: Uint8Array;
    now: number;
    ttlMs: number;
    evidence?: HardwareEvidence | undefined;
  },
): { record: ChallengeRecord; response: HelloResponse } {
  const nonceT = fromBase64Url(input.nonceT, 'nonceT');
  if (nonceT.length !== HANDSHAKE_LIMITS.nonceBytes) throw new TesseraError('input.invalid_encoding', 'nonceT must be 32 bytes', { field: 'nonceT' });
  // Every suite, not only those whose proof encodes it: a hello is refused, not its finish.
  if (input.evidence) decodeHardwareEvidence(input.evidence);
  const challengeId = toBase64Url(p.randomBytes(16)); // drawn first, then nonceS (vectors depend on the order)
  const nonceS = p.randomBytes(32);
  const record: ChallengeRecord = {
    challengeId,
    terminalId: input.terminalId,
    kid: input.kid,
    lotId: input.lotId,
    suite: input.suite.name,
    offered: input.offered,
    nonceT: input.nonceT,
    nonceS: toBase64Url(nonceS),
    expiresAt: input.now + input.ttlMs,
    ...(input.evidence ? { evidence: input.evidence } : {}),
  };
  const serverProof = input.suite.serverProof(p, input.terminalKey, contextOf(input.serverId, record, nonceT, nonceS));
  return {
    record,
    response: {
      challengeId: record.challengeId,
      suite: record.suite,
      nonceS: record.nonceS,
      serverProof,
      expiresAt: new Date(record.expiresAt).toISOString(),
    },
  };
}

/** Step 5: checks the terminal's proof in constant time. */
export function checkTerminalProof(p: Primitives, serverId: string, record: ChallengeRecord, terminalKey: Uint8Array, terminalProof: string): boolean {
  const suite = getHandshakeSuite(record.suite);
  return suite !== undefined && proofsEqual(p, suite.terminalProof(p, terminalKey, contextOf(serverId, record)), terminalProof);
}

/**
 * The session key of a finished handshake, from its stored challenge. The server keeps no
 * session secret: it derives the key when the session is first used, so a session that
 * signs nothing costs no HKDF.
 */
export function serverSessionKey(p: Primitives, serverId: string, record: ChallengeRecord, terminalKey: Uint8Array): Uint8Array {
  const suite = getHandshakeSuite(record.suite);
  if (!suite) throw new TesseraError('auth.session_invalid');
  return suite.sessionKey(p, terminalKey, contextOf(serverId, record));
}

/**
 * Step 6: the finish answer with its `serverConfirm`, a MAC under K_fc (a subkey of K_t or K_ocra) over
 * the handshake hash and the session id, expiry and capabilities exactly as they will be sent.
 */
export function confirmFinish(p: Primitives, serverId: string, record: ChallengeRecord, terminalKey: Uint8Array, answer: ConfirmedFinish): FinishResponse {
  const suite = getHandshakeSuite(record.suite);
  if (!suite) throw new TesseraError('auth.session_invalid');
  const key = finishConfirmKey(p, suite, terminalKey, contextOf(serverId, record));
  const confirmed = { sessionId: answer.sessionId, expiresAt: answer.expiresAt, capabilities: [...answer.capabilities] };
  return { ...confirmed, serverConfirm: makeServerConfirm(p, key, confirmed) };
}
