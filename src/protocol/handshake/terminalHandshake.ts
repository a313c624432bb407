// The terminal's side of the mutual handshake as pure steps (docs/protocol.md §4): make the
// hello, check the server's proof (a fake server stops here), then make the finish and keep
// the key that checks the server's confirmation of its finish answer.
import { fromBase64Url, toBase64Url } from '../bytes.ts';
import type { TerminalCredential } from '../credential.ts';
import { TesseraError } from '../errors.ts';
import { type HardwareEvidence, makeHardwareEvidence } from '../hardware/hardwareEvidence.ts';
import type { Primitives } from '../primitives.ts';
import { type FinishConfirmKey, finishConfirmKey } from './finishConfirmation.ts';
import type { HandshakeContext } from './handshakeContext.ts';
import type { FinishRequest, HelloRequest, HelloResponse } from './messages.ts';
import { getHandshakeSuite, proofsEqual } from './suites.ts';

/** The terminal's secret identity as read from its credential. */
export interface TerminalIdentity {
  terminalId: string;
  kid: number;
  /** The lot of a factory-made terminal (its K_t derives from the lot key). */
  lotId?: string | undefined;
  /** K_t, 32 bytes. */
  key: Uint8Array;
  /** The server id the terminal expects to talk to. */
  serverId: string;
  /** Fingerprint hash of the hardware it runs on (factory-made terminals), for evidence. */
  hardwareHash?: Uint8Array | undefined;
}

/** The identity a credential file holds (its key decoded), plus the hardware hash of a booted terminal. */
export function identityFromCredential(c: TerminalCredential, hardwareHash?: Uint8Array): TerminalIdentity {
  return { terminalId: c.terminalId, kid: c.kid, lotId: c.lotId, key: fromBase64Url(c.key, 'key'), serverId: c.serverId, hardwareHash };
}

/** State kept by the terminal between hello and the challenge. */
export interface PendingHandshake {
  identity: TerminalIdentity;
  offered: string[];
  nonceT: Uint8Array;
  evidence?: HardwareEvidence | undefined;
}

/** Step 1: a fresh hello. */
export function beginHandshake(p: Primitives, identity: TerminalIdentity, offered: string[]): { hello: HelloRequest; pending: PendingHandshake } {
  const nonceT = p.randomBytes(32);
  const evidence = identity.hardwareHash ? makeHardwareEvidence(p, identity.key, identity.terminalId, nonceT, identity.hardwareHash) : undefined;
  const hello: HelloRequest = { terminalId: identity.terminalId, kid: identity.kid, nonceT: toBase64Url(nonceT), suites: [...offered] };
  if (identity.lotId) hello.lotId = identity.lotId;
  if (evidence) hello.evidence = evidence;
  return { hello, pending: { identity, offered: [...offered], nonceT, evidence } };
}

/** The handshake context as the terminal sees it: its own fields, and the server's from the challenge. */
export function terminalContext(pending: PendingHandshake, challenge: HelloResponse): HandshakeContext {
  const { identity } = pending;
  return {
    serverId: identity.serverId,
    terminalId: identity.terminalId,
    kid: identity.kid,
    suite: challenge.suite,
    offered: pending.offered,
    nonceT: pending.nonceT,
    nonceS: fromBase64Url(challenge.nonceS, 'nonceS'),
    challengeId: challenge.challengeId,
    evidence: pending.evidence,
  };
}

/**
 * Steps 3–4: checks the server's proof in constant time and, only if it holds, makes the
 * terminal's proof. Throws `auth.server_not_genuine` for a wrong proof, an unoffered suite or
 * a MAC-to-OCRA downgrade. `confirmKey` checks the finish answer (checkServerConfirm).
 */
export function answerChallenge(
  p: Primitives,
  pending: PendingHandshake,
  challenge: HelloResponse,
): { finish: FinishRequest; sessionKey: Uint8Array; confirmKey: FinishConfirmKey } {
  const suite = getHandshakeSuite(challenge.suite);
  if (!suite || !pending.offered.includes(challenge.suite)) {
    throw new TesseraError('auth.server_not_genuine', 'the server chose a suite the terminal did not offer');
  }
  const offeredMac = pending.offered.some((s) => getHandshakeSuite(s)?.family === 'mac');
  if (suite.family !== 'mac' && offeredMac) {
    throw new TesseraError('auth.server_not_genuine', 'the server chose an OCRA suite although a MAC suite was offered');
  }
  const { identity } = pending;
  const ctx = terminalContext(pending, challenge);
  if (!proofsEqual(p, suite.serverProof(p, identity.key, ctx), challenge.serverProof)) {
    throw new TesseraError('auth.server_not_genuine', 'the server could not prove it holds this terminal\'s key');
  }
  return {
    finish: { challengeId: challenge.challengeId, terminalProof: suite.terminalProof(p, identity.key, ctx) },
    sessionKey: suite.sessionKey(p, identity.key, ctx),
    confirmKey: finishConfirmKey(p, suite, identity.key, ctx),
  };
}
