// The OCRA suite family of the mutual handshake (RFC 6287 §7.3), so OATH tokens and OCRA
// software interoperate: the two nonces become the questions QC and QS, the server proves
// itself with R_S over QC‖QS and the terminal with R_C over QS‖QC.
import { cachedSubkey, deriveSessionKey } from '../keys.ts';
import { assertHandshakeSuite, clientResponse, ocraQuestionFromNonce, serverResponse } from '../ocra/mutualOcra.ts';
import type { OcraSuite } from '../ocra/parseOcraSuite.ts';
import type { Primitives } from '../primitives.ts';
import { HASH_LENGTH } from '../primitives.ts';
import { type HandshakeContext, handshakeTranscript } from './handshakeContext.ts';
import type { HandshakeSuite } from './suites.ts';

const NONCE_BYTES = 32;
const cache = new Map<string, HandshakeSuite | undefined>();

/**
 * The OCRA key of a terminal: HKDF-SHA256(K_t, info "tessera/1/ocra-key", hash length of the
 * suite), kept with K_t like the other subkeys, so a handshake derives it once.
 */
export function deriveOcraKey(p: Primitives, terminalKey: Uint8Array, suite: OcraSuite): Uint8Array {
  return cachedSubkey(p, 'sha256', terminalKey, 'ocra-key', HASH_LENGTH[suite.hash]);
}

function questions(suite: OcraSuite, ctx: HandshakeContext) {
  const { format, length } = suite.question;
  return {
    clientQuestion: ocraQuestionFromNonce(ctx.nonceT, format, length),
    serverQuestion: ocraQuestionFromNonce(ctx.nonceS, format, length),
  };
}

/** Bits of challenge per question character, by format. */
const BITS_PER_CHAR = { H: 4, N: Math.log2(10), A: Math.log2(36) } as const;
/** Least entropy of each question: below it, a fake server could collect R_S in advance through hello. */
export const MIN_QUESTION_BITS = 128;

/** A question-only suite is usable when its question carries ≥ 128 bits and a 32-byte nonce can fill it. */
function usableForHandshake(suite: OcraSuite): boolean {
  const { format, length } = suite.question;
  return length * BITS_PER_CHAR[format] >= MIN_QUESTION_BITS && (format !== 'A' || length <= NONCE_BYTES);
}

function build(suite: OcraSuite): HandshakeSuite {
  return Object.freeze({
    name: suite.text,
    family: 'ocra' as const,
    hash: 'sha256' as const,
    serverProof: (p: Primitives, kt: Uint8Array, ctx: HandshakeContext) => serverResponse(p, suite, deriveOcraKey(p, kt, suite), questions(suite, ctx)),
    terminalProof: (p: Primitives, kt: Uint8Array, ctx: HandshakeContext) => clientResponse(p, suite, deriveOcraKey(p, kt, suite), questions(suite, ctx)),
    sessionKey: (p: Primitives, kt: Uint8Array, ctx: HandshakeContext) =>
      deriveSessionKey(p, 'sha256', deriveOcraKey(p, kt, suite), ctx.nonceT, ctx.nonceS, handshakeTranscript('handshake', ctx)),
    // From K_ocra, so a terminal that holds only the token's key can check the confirmation too.
    confirmKey: (p: Primitives, kt: Uint8Array) => cachedSubkey(p, 'sha256', deriveOcraKey(p, kt, suite), 'finish-confirm'),
  });
}

/**
 * The handshake suite for an OCRASuite string, or undefined when the string is not a
 * question-only OCRA-1 suite whose question carries at least 128 bits and fits a 32-byte nonce
 * (QH32–QH64, QN39–QN64, QA25–QA32).
 * @example resolveOcraHandshakeSuite('OCRA-1:HOTP-SHA256-8:QH64')?.family // 'ocra'
 */
export function resolveOcraHandshakeSuite(name: string): HandshakeSuite | undefined {
  if (!name.startsWith('OCRA-1:')) return undefined;
  if (cache.has(name)) return cache.get(name);
  let suite: HandshakeSuite | undefined;
  try {
    const parsed = assertHandshakeSuite(name);
    suite = usableForHandshake(parsed) && parsed.text === name ? build(parsed) : undefined;
  } catch {
    suite = undefined;
  }
  if (cache.size < 256) cache.set(name, suite);
  return suite;
}
