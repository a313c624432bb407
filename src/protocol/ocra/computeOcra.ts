// OCRA = CryptoFunction(K, DataInput) (RFC 6287 §5.1, §5.2) and its constant-time verification
// with an optional time-step window and counter look-ahead.
import { toHex, utf8 } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import type { Primitives } from '../primitives.ts';
import { type OcraDataInputs, ocraDataInput } from './ocraDataInput.ts';
import { type OcraSuite, parseOcraSuite } from './parseOcraSuite.ts';

/** Inputs to {@link computeOcra}: the DataInput values, with the PIN given either plain or hashed. */
export interface OcraInputs extends OcraDataInputs {
  /** The PIN itself; hashed with the suite's `P` hash over its UTF-8 bytes. Exclusive with `pinHash`. */
  pin?: string;
}

/** How far {@link verifyOcra} searches around the given counter and timestamp. */
export interface VerifyOcraOptions {
  /** Also accept T-n .. T+n (time-step counts). Default 0; at most 100. Needs a suite with T. */
  timeWindow?: number;
  /** Also accept C+1 .. C+n. Default 0; at most 100. Needs a suite with C. */
  counterLookAhead?: number;
}

/** The outcome of {@link verifyOcra}: which counter and timestamp matched, when the suite has them. */
export type OcraVerification = { valid: true; counter?: bigint; timestamp?: bigint } | { valid: false };

const MAX_WINDOW = 100;
const MAX_U64 = (1n << 64n) - 1n;

function resolveSuite(suite: OcraSuite | string): OcraSuite {
  return typeof suite === 'string' ? parseOcraSuite(suite) : suite;
}

function invalid(field: string, message: string): never {
  throw new TesseraError('ocra.invalid_input', message, { field });
}

/** Replaces a plain PIN by its hash under the suite's P hash. */
function dataInputs(primitives: Primitives, suite: OcraSuite, inputs: OcraInputs): OcraDataInputs {
  const { pin, ...rest } = inputs;
  if (pin === undefined) return rest;
  if (suite.pinHash === undefined) invalid('pin', 'the suite has no PIN component P, so pin must not be given');
  if (rest.pinHash !== undefined) invalid('pin', 'give either pin or pinHash, not both');
  if (typeof pin !== 'string' || pin.length === 0) invalid('pin', 'pin must be a non-empty string');
  return { ...rest, pinHash: primitives.digest(suite.pinHash, utf8(pin)) };
}

/** HOTP dynamic truncation to `digits` decimal digits (RFC 4226 §5.3), or the full HMAC as hex for 0. */
function truncate(mac: Uint8Array, digits: number): string {
  // RFC 6287 §5.2: t = 0 means no truncation; the full HMAC value is the response
  if (digits === 0) return toHex(mac);
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary =
    ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length === 0) invalid('key', 'key must be a non-empty byte array');
}

function computeWith(primitives: Primitives, suite: OcraSuite, key: Uint8Array, inputs: OcraDataInputs): string {
  // RFC 6287 §5.2: HOTP-H-t = truncate(HMAC-H(K, DataInput))
  return truncate(primitives.hmac(suite.hash, key, ocraDataInput(suite, inputs)), suite.digits);
}

/**
 * Computes the OCRA response for `suite` under `key` (RFC 6287 §5). The response is `digits`
 * decimal digits; for a suite with truncation length 0 (`HOTP-SHA256-0`) it is the full HMAC in
 * lower-case hex, since RFC 6287 §5.2 defines no truncation for t = 0 and names no other encoding.
 * Throws `ocra.invalid_suite` / `ocra.invalid_input` for a bad suite or inputs that do not fit it.
 * @example computeOcra(nodePrimitives, 'OCRA-1:HOTP-SHA1-6:QN08', key20, { question: '00000000' }) // '237653'
 */
export function computeOcra(primitives: Primitives, suite: OcraSuite | string, key: Uint8Array, inputs: OcraInputs): string {
  const s = resolveSuite(suite);
  checkKey(key);
  return computeWith(primitives, s, key, dataInputs(primitives, s, inputs));
}

function windowSize(value: number | undefined, field: string, applies: boolean, component: string): number {
  if (value === undefined || value === 0) return 0;
  if (!Number.isInteger(value) || value < 0 || value > MAX_WINDOW) invalid(field, `${field} must be an integer from 0 to ${MAX_WINDOW}`);
  if (!applies) invalid(field, `${field} needs a suite with ${component}`);
  return value;
}

/** Offsets 0, -1, +1, -2, +2, … ±n: the nearest time step wins. */
function timeOffsets(n: number): bigint[] {
  const out = [0n];
  for (let d = 1; d <= n; d++) out.push(BigInt(-d), BigInt(d));
  return out;
}

/**
 * Verifies an OCRA `response` against the expected one in constant time (over the UTF-8 bytes of
 * both), optionally searching T-n..T+n and C..C+n. Malformed suites or inputs throw; a wrong or
 * malformed response is `{ valid: false }`. On success the matching counter and timestamp are
 * returned so the caller can advance its stored counter past them (RFC 6287 §7.1 leaves
 * resynchronisation to the verifier).
 * @example verifyOcra(p, suite, key, '65347737', { question: '12345678', counter: 0, pin: '1234' }, { counterLookAhead: 5 })
 */
export function verifyOcra(
  primitives: Primitives,
  suite: OcraSuite | string,
  key: Uint8Array,
  response: string,
  inputs: OcraInputs,
  options: VerifyOcraOptions = {},
): OcraVerification {
  const s = resolveSuite(suite);
  checkKey(key);
  const base = dataInputs(primitives, s, inputs);
  const timeWindow = windowSize(options.timeWindow, 'timeWindow', s.timeStep !== undefined, 'a time component T');
  const lookAhead = windowSize(options.counterLookAhead, 'counterLookAhead', s.counter, 'a counter C');
  // Validates every input once, including the centre counter and timestamp.
  ocraDataInput(s, base);
  if (typeof response !== 'string') return { valid: false };
  const given = utf8(response);

  const c0 = s.counter ? BigInt(base.counter!) : undefined;
  const t0 = s.timeStep !== undefined ? BigInt(base.timestamp!) : undefined;
  for (const dt of timeOffsets(timeWindow)) {
    const t = t0 === undefined ? undefined : t0 + dt;
    if (t !== undefined && (t < 0n || t > MAX_U64)) continue;
    for (let dc = 0n; dc <= BigInt(lookAhead); dc++) {
      const c = c0 === undefined ? undefined : c0 + dc;
      if (c !== undefined && c > MAX_U64) break;
      const expected = computeWith(primitives, s, key, { ...base, counter: c, timestamp: t });
      if (primitives.equal(utf8(expected), given)) {
        return { valid: true, ...(c === undefined ? {} : { counter: c }), ...(t === undefined ? {} : { timestamp: t }) };
      }
    }
  }
  return { valid: false };
}
