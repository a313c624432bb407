// The server's confirmation of its finish answer (docs/protocol.md §4.9): an HMAC over the
// hash of the handshake transcript and the session id, expiry and capabilities it grants,
// under K_fc, a subkey of the terminal key (of K_ocra in an OCRA suite). A man in the middle cannot rewrite the answer, and
// the handshake hash binds it to this handshake's every field (both nonces, the offered list,
// the challenge id), in every suite family: OCRA responses cover only the two questions.
// In a MAC suite K_fc is kept per terminal key (like the direction keys), so a confirmation
// costs one hash and one HMAC.
import { toBase64Url, utf8 } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import type { HashName, Primitives } from '../primitives.ts';
import { encodeStringList, transcript } from '../transcript.ts';
import { type HandshakeContext, handshakeTranscript } from './handshakeContext.ts';
import type { FinishResponse } from './messages.ts';
import type { HandshakeSuite } from './suites.ts';

/** The members of a finish answer that the confirmation covers. */
export type ConfirmedFinish = Pick<FinishResponse, 'sessionId' | 'expiresAt' | 'capabilities'>;

/** What makes or checks the confirmation of one handshake's finish answer. */
export interface FinishConfirmKey {
  /** H_s of the handshake's suite (SHA-256 for OCRA suites). */
  readonly hash: HashName;
  /** K_fc = HKDF-H_s(K_t, salt = "", info = "tessera/1/finish-confirm", 32); from K_ocra for OCRA suites. */
  readonly key: Uint8Array;
  /** H_s(T_hs): the hash of the handshake transcript, the same one the session key covers. */
  readonly handshakeHash: Uint8Array;
}

/**
 * The confirmation key of a handshake, from the terminal key and the handshake context.
 * @example finishConfirmKey(nodePrimitives, getHandshakeSuite('hmac-sha256')!, terminalKey, ctx)
 */
export function finishConfirmKey(p: Primitives, suite: HandshakeSuite, terminalKey: Uint8Array, ctx: HandshakeContext): FinishConfirmKey {
  return { hash: suite.hash, key: suite.confirmKey(p, terminalKey), handshakeHash: p.digest(suite.hash, handshakeTranscript('handshake', ctx)) };
}

/** transcript("finish-confirm", [H_s(T_hs), sessionId, expiresAt, item(cap_1) ‖ … ‖ item(cap_n)]), the strings exactly as sent. */
export function finishConfirmTranscript(handshakeHash: Uint8Array, answer: ConfirmedFinish): Uint8Array {
  return transcript('finish-confirm', [handshakeHash, utf8(answer.sessionId), utf8(answer.expiresAt), encodeStringList(answer.capabilities)]);
}

/** serverConfirm = base64url(HMAC-H_s(K_fc, finish-confirm transcript)): 43 characters. */
export function makeServerConfirm(p: Primitives, k: FinishConfirmKey, answer: ConfirmedFinish): string {
  return toBase64Url(p.hmac(k.hash, k.key, finishConfirmTranscript(k.handshakeHash, answer)));
}

/**
 * The terminal's check of a parsed finish answer: recomputes `serverConfirm` and compares it in
 * constant time. Returns the answer when it holds; throws `auth.server_not_genuine` otherwise.
 * @example const done = checkServerConfirm(p, confirmKey, parseFinishResponse(body));
 */
export function checkServerConfirm(p: Primitives, k: FinishConfirmKey, answer: FinishResponse): FinishResponse {
  const expected = makeServerConfirm(p, k, answer);
  if (!p.equal(utf8(expected), utf8(answer.serverConfirm))) {
    throw new TesseraError('auth.server_not_genuine', 'the server could not confirm its finish answer for this handshake');
  }
  return answer;
}
