// Parses and validates an OCRASuite string (RFC 6287 §6) into a typed, frozen description.
// Grammar: OCRA-1:HOTP-<SHA1|SHA256|SHA512>-<0|4..10>:[C-]Q<A|N|H><04..64>[-P<H>][-S<nnn>][-T<G>]
import { TesseraError } from '../errors.ts';

/** Hash functions an OCRASuite may name (RFC 6287 §6.2, §6.3). */
export type OcraHash = 'sha1' | 'sha256' | 'sha512';

/** Challenge question formats: alphanumeric, numeric, hexadecimal (RFC 6287 §6.3). */
export type OcraQuestionFormat = 'A' | 'N' | 'H';

/** Unit of the time step in a `T` component. */
export type OcraTimeUnit = 'S' | 'M' | 'H';

/** A parsed OCRASuite. Every field is derived from `text`, which is used verbatim in the DataInput. */
export interface OcraSuite {
  /** The suite string exactly as given; it is the first part of the DataInput (RFC 6287 §5.1). */
  readonly text: string;
  /** HMAC hash of the HOTP CryptoFunction. */
  readonly hash: OcraHash;
  /** Truncation length in decimal digits; 0 means no truncation (RFC 6287 §5.2). */
  readonly digits: number;
  /** Whether the DataInput carries an 8-byte counter `C`. */
  readonly counter: boolean;
  /** Format and length `xx` of one challenge question. */
  readonly question: { readonly format: OcraQuestionFormat; readonly length: number };
  /** Hash applied to the PIN when the suite has a `P` component. */
  readonly pinHash?: OcraHash;
  /** Length in bytes of the session information when the suite has an `S` component. */
  readonly sessionLength?: number;
  /** Time step when the suite has a `T` component. */
  readonly timeStep?: { readonly value: number; readonly unit: OcraTimeUnit; readonly seconds: number };
}

const MAX_SUITE_LENGTH = 128;
const HASHES: Record<string, OcraHash> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };
const UNIT_SECONDS: Record<OcraTimeUnit, number> = { S: 1, M: 60, H: 3600 };
// RFC 6287 §6.3: G = [1-59]S | [1-59]M | [0-48]H
const UNIT_RANGE: Record<OcraTimeUnit, readonly [number, number]> = { S: [1, 59], M: [1, 59], H: [0, 48] };
const ORDER = 'the DataInput order is [C-]QFxx[-PH][-Snnn][-TG] (RFC 6287 §6.3)';

function fail(text: string, why: string): never {
  throw new TesseraError('ocra.invalid_suite', `OCRASuite "${text}": ${why}`, { field: 'suite' });
}

/**
 * Parses an OCRASuite string. Bare `Q`, `P`, `S` and `T` take the RFC 6287 §6.3 defaults
 * (`QN08`, `PSHA1`, `S064`, `T1M`). Throws `ocra.invalid_suite` with the reason otherwise.
 * @example parseOcraSuite('OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1').question // { format: 'N', length: 8 }
 */
export function parseOcraSuite(text: string): OcraSuite {
  if (typeof text !== 'string' || text.length === 0) {
    throw new TesseraError('ocra.invalid_suite', 'OCRASuite must be a non-empty string', { field: 'suite' });
  }
  if (text.length > MAX_SUITE_LENGTH || !/^[\x21-\x7e]+$/.test(text)) {
    fail(text.slice(0, 40), `must be at most ${MAX_SUITE_LENGTH} printable ASCII characters`);
  }
  // RFC 6287 §6: <Algorithm>:<CryptoFunction>:<DataInput>
  const parts = text.split(':');
  if (parts.length !== 3) fail(text, 'expected <Algorithm>:<CryptoFunction>:<DataInput> (RFC 6287 §6)');
  const [algorithm, cryptoFunction, dataInput] = parts as [string, string, string];

  // RFC 6287 §6.1: only version 1 is defined
  if (algorithm !== 'OCRA-1') fail(text, `unsupported algorithm "${algorithm}" (only OCRA-1 is defined, RFC 6287 §6.1)`);

  // RFC 6287 §6.2: HOTP-H-t, H ∈ {SHA1, SHA256, SHA512}, t ∈ {0, 4..10}
  const cf = /^HOTP-(SHA1|SHA256|SHA512)-(0|[4-9]|10)$/.exec(cryptoFunction);
  if (!cf) {
    fail(text, `CryptoFunction "${cryptoFunction}" must be HOTP-<SHA1|SHA256|SHA512>-<0|4..10> (RFC 6287 §6.2)`);
  }
  const hash = HASHES[cf[1]!]!;
  const digits = Number(cf[2]);

  const items = dataInput.split('-');
  let i = 0;
  let counter = false;
  if (items[i] === 'C') {
    counter = true;
    i++;
  }

  // RFC 6287 §6.3: QFxx is mandatory, F ∈ {A, N, H}, xx ∈ 04..64
  const q = /^Q(?:([ANH])(\d{2}))?$/.exec(items[i] ?? '');
  if (!q) fail(text, `expected a challenge component QFxx where ${items[i] === undefined ? 'none' : `"${items[i]}"`} is; ${ORDER}`);
  const format = (q[1] ?? 'N') as OcraQuestionFormat;
  const length = q[2] === undefined ? 8 : Number(q[2]);
  if (length < 4 || length > 64) fail(text, `challenge length ${q[2]} is outside 04..64 (RFC 6287 §6.3)`);
  i++;

  let pinHash: OcraHash | undefined;
  const p = /^P(?:SHA(1|256|512))?$/.exec(items[i] ?? '');
  if (items[i]?.startsWith('P')) {
    if (!p) fail(text, `PIN component "${items[i]}" must be P, PSHA1, PSHA256 or PSHA512 (RFC 6287 §6.3)`);
    pinHash = HASHES[`SHA${p[1] ?? '1'}`];
    i++;
  }

  let sessionLength: number | undefined;
  if (items[i]?.startsWith('S')) {
    const s = /^S(?:(\d{3}))?$/.exec(items[i]!);
    if (!s) fail(text, `session component "${items[i]}" must be S or Snnn with three digits (RFC 6287 §6.3)`);
    sessionLength = s[1] === undefined ? 64 : Number(s[1]);
    if (sessionLength < 1 || sessionLength > 512) fail(text, `session length ${s[1]} is outside 001..512 (RFC 6287 §5.1)`);
    i++;
  }

  let timeStep: OcraSuite['timeStep'];
  if (items[i]?.startsWith('T')) {
    const t = /^T(?:(\d{1,2})([SMH]))?$/.exec(items[i]!);
    if (!t) fail(text, `time component "${items[i]}" must be T or TG with G = [1-59]S | [1-59]M | [0-48]H (RFC 6287 §6.3)`);
    const unit = (t[2] ?? 'M') as OcraTimeUnit;
    const value = t[1] === undefined ? 1 : Number(t[1]);
    const [min, max] = UNIT_RANGE[unit];
    if (value < min || value > max) fail(text, `time step ${value}${unit} is outside ${min}-${max}${unit} (RFC 6287 §6.3)`);
    timeStep = Object.freeze({ value, unit, seconds: value * UNIT_SECONDS[unit] });
    i++;
  }

  if (i < items.length) fail(text, `unexpected component "${items[i]}"; ${ORDER}`);

  const suite: OcraSuite = {
    text,
    hash,
    digits,
    counter,
    question: Object.freeze({ format, length }),
    ...(pinHash === undefined ? {} : { pinHash }),
    ...(sessionLength === undefined ? {} : { sessionLength }),
    ...(timeStep === undefined ? {} : { timeStep }),
  };
  return Object.freeze(suite);
}
