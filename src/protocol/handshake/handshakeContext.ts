// What both sides of a handshake agree on, and its transcript (docs/protocol.md §4.2).
import { concatBytes, utf8 } from '../bytes.ts';
import { decodeHardwareEvidence, type HardwareEvidence } from '../hardware/hardwareEvidence.ts';
import { encodeStringList, transcript } from '../transcript.ts';

/** The inputs every handshake proof covers. */
export interface HandshakeContext {
  serverId: string;
  terminalId: string;
  /** Master-key version the terminal key was derived under. */
  kid: number;
  /** The suite the server chose. */
  suite: string;
  /** The suites the terminal offered, in its order (downgrade protection). */
  offered: readonly string[];
  nonceT: Uint8Array;
  nonceS: Uint8Array;
  challengeId: string;
  /** Hardware evidence sent in hello, if any (factory-made terminals always send it). */
  evidence?: HardwareEvidence | undefined;
}

/** The evidence as one transcript field: salt ‖ mac, or empty when absent. */
function evidenceField(evidence: HardwareEvidence | undefined): Uint8Array {
  if (!evidence) return new Uint8Array(0);
  const { salt, mac } = decodeHardwareEvidence(evidence);
  return concatBytes(salt, mac);
}

/** The context's fields in transcript order. */
function contextFields(ctx: HandshakeContext): Uint8Array[] {
  const kid = new Uint8Array(4);
  new DataView(kid.buffer).setUint32(0, ctx.kid);
  return [
    utf8(ctx.serverId),
    utf8(ctx.terminalId),
    kid,
    utf8(ctx.suite),
    encodeStringList(ctx.offered),
    ctx.nonceT,
    ctx.nonceS,
    utf8(ctx.challengeId),
    evidenceField(ctx.evidence),
  ];
}

/**
 * transcript(purpose, [serverId, terminalId, u32be(kid), suite, offered, nonceT, nonceS, challengeId, evidence]).
 * Purposes: "server-proof", "terminal-proof", "handshake" (hashed into the session key).
 */
export function handshakeTranscript(purpose: 'server-proof' | 'terminal-proof' | 'handshake', ctx: HandshakeContext): Uint8Array {
  return transcript(purpose, contextFields(ctx));
}
