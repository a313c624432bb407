// OCRA mutual challenge-response (RFC 6287 §7.3): the server answers over Q = QC ‖ QS, the
// client over Q = QS ‖ QC; plus a deterministic mapping from a random nonce to a challenge.
import { toHex } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import type { Primitives } from '../primitives.ts';
import { type OcraInputs, type OcraVerification, type VerifyOcraOptions, computeOcra, verifyOcra } from './computeOcra.ts';
import { checkOcraQuestion } from './ocraDataInput.ts';
import { type OcraQuestionFormat, type OcraSuite, parseOcraSuite } from './parseOcraSuite.ts';

/** Inputs of one side of a mutual exchange: both challenges, plus what the suite needs besides Q. */
export interface MutualOcraInputs extends Omit<OcraInputs, 'question'> {
  /** QC, the challenge the client (terminal) generated. */
  clientQuestion: string;
  /** QS, the challenge the server generated. */
  serverQuestion: string;
}

const MIN_QUESTION = 4;
const ALPHABET_36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function resolveSuite(suite: OcraSuite | string): OcraSuite {
  return typeof suite === 'string' ? parseOcraSuite(suite) : suite;
}

/** Checks each challenge against the suite's QFxx (4..xx characters of format F) and joins them. */
function joined(suite: OcraSuite, first: string, second: string, inputs: MutualOcraInputs): OcraInputs {
  const { format, length } = suite.question;
  checkOcraQuestion(format, inputs.clientQuestion, MIN_QUESTION, length, 'clientQuestion');
  checkOcraQuestion(format, inputs.serverQuestion, MIN_QUESTION, length, 'serverQuestion');
  const { clientQuestion: _c, serverQuestion: _s, ...rest } = inputs;
  return { ...rest, question: first + second };
}

/**
 * The server's response R_S = OCRA(K, [C] ‖ QC ‖ QS ‖ [S ‖ T]) (RFC 6287 §7.3), proving the server
 * to the client. The challenges are concatenated as strings before the Q encoding.
 *
 * Tessera's mutual handshake uses this family only with suites that carry nothing but Q
 * (e.g. `OCRA-1:HOTP-SHA256-8:QH64`): suites with C, P, S or T are refused there (see
 * {@link assertHandshakeSuite}); this helper itself accepts any suite.
 * @example serverResponse(p, 'OCRA-1:HOTP-SHA256-8:QA08', key32, { clientQuestion: 'CLI22220', serverQuestion: 'SRV11110' }) // '28247970'
 */
export function serverResponse(primitives: Primitives, suite: OcraSuite | string, key: Uint8Array, inputs: MutualOcraInputs): string {
  const s = resolveSuite(suite);
  return computeOcra(primitives, s, key, joined(s, inputs.clientQuestion, inputs.serverQuestion, inputs));
}

/**
 * The client's response R_C = OCRA(K, [C] ‖ QS ‖ QC ‖ [P ‖ S ‖ T]) (RFC 6287 §7.3), proving the
 * client to the server. Same handshake restriction as {@link serverResponse}.
 * @example clientResponse(p, 'OCRA-1:HOTP-SHA256-8:QA08', key32, { clientQuestion: 'CLI22220', serverQuestion: 'SRV11110' }) // '15510767'
 */
export function clientResponse(primitives: Primitives, suite: OcraSuite | string, key: Uint8Array, inputs: MutualOcraInputs): string {
  const s = resolveSuite(suite);
  return computeOcra(primitives, s, key, joined(s, inputs.serverQuestion, inputs.clientQuestion, inputs));
}

/** Client side: checks R_S in constant time over Q = QC ‖ QS (RFC 6287 §7.3). */
export function verifyServerResponse(
  primitives: Primitives,
  suite: OcraSuite | string,
  key: Uint8Array,
  response: string,
  inputs: MutualOcraInputs,
  options?: VerifyOcraOptions,
): OcraVerification {
  const s = resolveSuite(suite);
  return verifyOcra(primitives, s, key, response, joined(s, inputs.clientQuestion, inputs.serverQuestion, inputs), options);
}

/** Server side: checks R_C in constant time over Q = QS ‖ QC (RFC 6287 §7.3). */
export function verifyClientResponse(
  primitives: Primitives,
  suite: OcraSuite | string,
  key: Uint8Array,
  response: string,
  inputs: MutualOcraInputs,
  options?: VerifyOcraOptions,
): OcraVerification {
  const s = resolveSuite(suite);
  return verifyOcra(primitives, s, key, response, joined(s, inputs.serverQuestion, inputs.clientQuestion, inputs), options);
}

/**
 * Parses `suite` and refuses (`ocra.invalid_suite`) anything but a question-only suite, the only
 * kind Tessera's mutual handshake accepts: no counter, PIN, session or time component, since the
 * handshake carries none of them and its freshness comes from the two nonces.
 * @example assertHandshakeSuite('OCRA-1:HOTP-SHA256-8:QH64')
 */
export function assertHandshakeSuite(suite: OcraSuite | string): OcraSuite {
  const s = resolveSuite(suite);
  if (s.counter || s.pinHash !== undefined || s.sessionLength !== undefined || s.timeStep !== undefined) {
    throw new TesseraError('ocra.invalid_suite', `OCRASuite "${s.text}": the mutual handshake accepts only suites without C, P, S or T`, {
      field: 'suite',
    });
  }
  return s;
}

/**
 * Turns a random nonce into a challenge of exactly `length` (4..64) characters of `format`,
 * deterministically, so both sides derive the same question from the nonce on the wire:
 * - H: upper-case hex of the nonce's first bytes, cut to `length`;
 * - N: the nonce as a big-endian integer mod 10^length, zero-padded to `length`;
 * - A: each of the first `length` bytes mod 36, mapped to 0-9A-Z.
 * The nonce must hold enough bytes for the question (H: ⌈length/2⌉, N: ⌈length·log2(10)/8⌉,
 * A: length). N and A are slightly biased (mod of a power of two); the handshake's security rests
 * on the nonce, not on the question's uniformity.
 * @example ocraQuestionFromNonce(new Uint8Array([0xab, 0xcd, 0xef]), 'H', 5) // 'ABCDE'
 */
export function ocraQuestionFromNonce(nonce: Uint8Array, format: OcraQuestionFormat, length: number): string {
  if (!Number.isInteger(length) || length < 4 || length > 64) {
    throw new TesseraError('ocra.invalid_input', 'question length must be an integer from 4 to 64', { field: 'length' });
  }
  if (format !== 'A' && format !== 'N' && format !== 'H') {
    throw new TesseraError('ocra.invalid_input', 'question format must be A, N or H', { field: 'format' });
  }
  const needed = format === 'H' ? Math.ceil(length / 2) : format === 'A' ? length : Math.ceil((length * Math.log2(10)) / 8);
  if (!(nonce instanceof Uint8Array) || nonce.length < needed) {
    throw new TesseraError('ocra.invalid_input', `a ${length}-character ${format} question needs a nonce of at least ${needed} bytes`, {
      field: 'nonce',
    });
  }
  if (format === 'H') return toHex(nonce.subarray(0, needed)).toUpperCase().slice(0, length);
  if (format === 'N') return (BigInt(`0x${toHex(nonce)}`) % 10n ** BigInt(length)).toString().padStart(length, '0');
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET_36[nonce[i]! % 36];
  return out;
}
