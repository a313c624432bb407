// Builds the OCRA DataInput bytes (RFC 6287 §5.1) from a parsed suite and its inputs:
// suite ‖ 0x00 ‖ [C: 8 bytes] ‖ Q: 128 bytes ‖ [P: hash of the PIN] ‖ [S: nnn bytes] ‖ [T: 8 bytes].
import { concatBytes, fromHex, utf8 } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import { HASH_LENGTH } from '../primitives.ts';
import type { OcraQuestionFormat, OcraSuite } from './parseOcraSuite.ts';

/** The values a suite may require, already in their DataInput form (the PIN already hashed). */
export interface OcraDataInputs {
  /** The challenge question; in mutual mode the two challenges concatenated (RFC 6287 §7.3). */
  question: string;
  /** Counter `C`, 0 ≤ C < 2^64; required exactly when the suite has `C`. */
  counter?: number | bigint;
  /** Hash of the PIN under the suite's `P` hash; required exactly when the suite has `P`. */
  pinHash?: Uint8Array;
  /** Session information of exactly the suite's `Snnn` bytes; required exactly when the suite has `S`. */
  session?: Uint8Array;
  /** Time-step count `T` (not seconds), 0 ≤ T < 2^64; required exactly when the suite has `T`. */
  timestamp?: number | bigint;
}

/** Bytes of the Q field (RFC 6287 §5.1). */
export const OCRA_QUESTION_BYTES = 128;
const MIN_QUESTION = 4;
const MAX_U64 = (1n << 64n) - 1n;
const FORMAT_CHARS: Record<OcraQuestionFormat, RegExp> = {
  A: /^[0-9A-Za-z]+$/,
  N: /^[0-9]+$/,
  H: /^[0-9A-Fa-f]+$/,
};
const FORMAT_NAMES: Record<OcraQuestionFormat, string> = { A: 'alphanumeric', N: 'decimal', H: 'hexadecimal' };

function invalid(field: string, message: string): never {
  throw new TesseraError('ocra.invalid_input', message, { field });
}

/**
 * Checks that `question` is made of `format` characters and has `min`..`max` of them;
 * throws `ocra.invalid_input` otherwise.
 */
export function checkOcraQuestion(format: OcraQuestionFormat, question: string, min: number, max: number, field = 'question'): void {
  if (typeof question !== 'string' || !FORMAT_CHARS[format].test(question)) {
    invalid(field, `${field} must be ${FORMAT_NAMES[format]} (suite format ${format})`);
  }
  if (question.length < min || question.length > max) {
    invalid(field, `${field} must have ${min} to ${max} characters, not ${question.length}`);
  }
}

/**
 * Encodes a challenge question into the 128-byte Q field (RFC 6287 §5.1): N is read as a decimal
 * number whose upper-case hex digits are right-padded with '0'; H is taken as hex digits
 * right-padded with '0'; A is taken as ASCII bytes right-padded with 0x00. Only the characters
 * are checked here; {@link ocraDataInput} also checks the length against the suite.
 * @example encodeOcraQuestion('N', '22222222').subarray(0, 4) // 15 31 58 e0
 */
export function encodeOcraQuestion(format: OcraQuestionFormat, question: string): Uint8Array {
  checkOcraQuestion(format, question, 1, 2 * OCRA_QUESTION_BYTES);
  let bytes: Uint8Array;
  if (format === 'A') {
    bytes = utf8(question);
  } else {
    // RFC 6287 §5.1 and Appendix A: an odd number of hex digits gets a trailing '0' nibble
    let hex = format === 'N' ? BigInt(question).toString(16).toUpperCase() : question;
    if (hex.length % 2 === 1) hex += '0';
    bytes = fromHex(hex, 'question');
  }
  if (bytes.length > OCRA_QUESTION_BYTES) invalid('question', `question does not fit in ${OCRA_QUESTION_BYTES} bytes`);
  const out = new Uint8Array(OCRA_QUESTION_BYTES);
  out.set(bytes);
  return out;
}

/** Checks an unsigned 64-bit value and returns its 8 big-endian bytes. */
function u64(value: number | bigint | undefined, field: string): Uint8Array {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else invalid(field, `${field} must be an integer`);
  if (v < 0n || v > MAX_U64) invalid(field, `${field} must be between 0 and 2^64-1`);
  const out = new Uint8Array(8);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function presence(has: boolean, value: unknown, field: string, component: string): boolean {
  if (has && value === undefined) invalid(field, `the suite has a ${component}, so ${field} is required`);
  if (!has && value !== undefined) invalid(field, `the suite has no ${component}, so ${field} must not be given`);
  return has;
}

/**
 * Builds DataInput = suite ‖ 0x00 ‖ [C] ‖ Q ‖ [P] ‖ [S] ‖ [T] (RFC 6287 §5.1). The question has
 * 4 to 2·xx characters: one challenge of the suite's length, or the two challenges of a mutual
 * exchange concatenated (RFC 6287 §7.3). Inputs the suite does not use are refused, so a
 * mismatch between caller and suite surfaces as `ocra.invalid_input` instead of a wrong value.
 * @example ocraDataInput(parseOcraSuite('OCRA-1:HOTP-SHA1-6:QN08'), { question: '00000000' })
 */
export function ocraDataInput(suite: OcraSuite, inputs: OcraDataInputs): Uint8Array {
  const parts: Uint8Array[] = [utf8(suite.text), new Uint8Array([0])];
  if (presence(suite.counter, inputs.counter, 'counter', 'counter C')) parts.push(u64(inputs.counter, 'counter'));

  const { format, length } = suite.question;
  checkOcraQuestion(format, inputs.question, MIN_QUESTION, 2 * length);
  parts.push(encodeOcraQuestion(format, inputs.question));

  if (presence(suite.pinHash !== undefined, inputs.pinHash, 'pinHash', 'PIN component P')) {
    const want = HASH_LENGTH[suite.pinHash!];
    if (!(inputs.pinHash instanceof Uint8Array) || inputs.pinHash.length !== want) {
      invalid('pinHash', `pinHash must be the ${want}-byte ${suite.pinHash} hash of the PIN`);
    }
    parts.push(inputs.pinHash);
  }
  if (presence(suite.sessionLength !== undefined, inputs.session, 'session', 'session component S')) {
    if (!(inputs.session instanceof Uint8Array) || inputs.session.length !== suite.sessionLength) {
      invalid('session', `session must be exactly ${suite.sessionLength} bytes`);
    }
    parts.push(inputs.session);
  }
  if (presence(suite.timeStep !== undefined, inputs.timestamp, 'timestamp', 'time component T')) {
    parts.push(u64(inputs.timestamp, 'timestamp'));
  }
  return concatBytes(...parts);
}

/**
 * The time-step count T for a Unix time in seconds: floor(seconds / step) (RFC 6287 §5.1, §6.3).
 * Throws `ocra.invalid_input` when the suite has no T, the step is 0 hours, or the time is negative.
 * @example ocraTimestamp(parseOcraSuite('OCRA-1:HOTP-SHA512-8:QN08-T1M'), 1206446790) // 20107446n
 */
export function ocraTimestamp(suite: OcraSuite, unixSeconds: number | bigint): bigint {
  if (suite.timeStep === undefined) invalid('timestamp', 'the suite has no time component T');
  if (suite.timeStep.seconds === 0) invalid('timestamp', 'a time step of 0 hours cannot be derived from a time; give T itself');
  let s: bigint;
  if (typeof unixSeconds === 'bigint') s = unixSeconds;
  else if (typeof unixSeconds === 'number' && Number.isFinite(unixSeconds)) s = BigInt(Math.floor(unixSeconds));
  else invalid('time', 'time must be a finite number of seconds');
  if (s < 0n) invalid('time', 'time must not be before 1970-01-01T00:00:00Z');
  return s / BigInt(suite.timeStep.seconds);
}
