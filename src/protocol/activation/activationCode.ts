// Purchase activation codes (docs/protocol.md §12): 16 Crockford base32 symbols carrying 80
// random bits, in four groups of four, then one mod-37 check symbol —
// `XXXX-XXXX-XXXX-XXXX-C`. People type them; the check symbol catches a mistyped character
// or two swapped neighbours before anything is sent.
import { TesseraError } from '../errors.ts';
import type { Primitives } from '../primitives.ts';
import { CROCKFORD_CHECK_SYMBOLS, crockfordCheckSymbol, crockfordValue, encodeCrockford, normalizeCrockford } from './crockfordBase32.ts';

/** Shape of an activation code. */
export const ACTIVATION_CODE_FORMAT = Object.freeze({
  /** Data symbols (5 bits each). */
  dataSymbols: 16,
  /** Random bits they carry. */
  randomBits: 80,
  /** Symbols per hyphen-separated group. */
  groupSize: 4,
  /** Longest text accepted before normalisation (spaces and hyphens included). */
  maxInputLength: 64,
  /** How the canonical form looks. */
  pattern: 'XXXX-XXXX-XXXX-XXXX-C',
});

/** A parsed activation code. */
export interface ActivationCode {
  /** The 16 canonical data symbols: what the server hashes. */
  data: string;
  /** The check symbol. */
  check: string;
  /** The canonical printed form, `XXXX-XXXX-XXXX-XXXX-C`. */
  text: string;
}

const GROUP = new RegExp(`.{${ACTIVATION_CODE_FORMAT.groupSize}}`, 'g');

function fromData(data: string): ActivationCode {
  const check = crockfordCheckSymbol(data);
  return { data, check, text: `${data.match(GROUP)!.join('-')}-${check}` };
}

/**
 * A new activation code from 80 fresh random bits.
 * @example generateActivationCode(nodePrimitives).text // e.g. '7Q2M-K9XD-0PAV-3RTE-X'
 */
export function generateActivationCode(p: Pick<Primitives, 'randomBytes'>): ActivationCode {
  const bytes = p.randomBytes(ACTIVATION_CODE_FORMAT.randomBits / 8);
  if (bytes.length !== ACTIVATION_CODE_FORMAT.randomBits / 8) throw new RangeError('randomBytes returned the wrong length');
  return fromData(encodeCrockford(bytes));
}

/**
 * The activation code whose data symbols are `data` (canonical, 16 symbols), with its check symbol.
 * @example activationCodeFromData('0000000000000000').text // '0000-0000-0000-0000-0'
 */
export function activationCodeFromData(data: string): ActivationCode {
  if (data.length !== ACTIVATION_CODE_FORMAT.dataSymbols || [...data].some((s) => crockfordValue(s) === undefined)) {
    throw new RangeError('activation code data must be 16 canonical Crockford base32 symbols');
  }
  return fromData(data);
}

/**
 * Reads a code as a person typed it: case-insensitive, hyphens and spaces anywhere, I/L read
 * as 1 and O as 0. Throws `activation.code_malformed` when it is not 16 data symbols and a
 * check symbol, and `activation.code_mistyped` when the check symbol does not match.
 * The messages never repeat the code.
 * @example parseActivationCode('7q2m k9xd oPav 3rte x').text // '7Q2M-K9XD-0PAV-3RTE-X'
 */
export function parseActivationCode(input: string): ActivationCode {
  const { dataSymbols, maxInputLength, pattern } = ACTIVATION_CODE_FORMAT;
  if (typeof input !== 'string' || input.length > maxInputLength) {
    throw new TesseraError('activation.code_malformed', `an activation code looks like ${pattern}`, { field: 'code' });
  }
  const canonical = normalizeCrockford(input);
  if (canonical.length !== dataSymbols + 1) {
    throw new TesseraError('activation.code_malformed', `an activation code has ${dataSymbols} characters and a check character (${pattern}); this one has ${canonical.length}`, { field: 'code' });
  }
  const data = canonical.slice(0, dataSymbols);
  const bad = [...data].findIndex((s) => crockfordValue(s) === undefined);
  if (bad >= 0) {
    throw new TesseraError('activation.code_malformed', `character ${bad + 1} is not one of 0-9 A-Z (without I, L, O, U)`, { field: 'code' });
  }
  const check = canonical[dataSymbols]!;
  if (!CROCKFORD_CHECK_SYMBOLS.includes(check)) {
    throw new TesseraError('activation.code_malformed', 'the last character is not a check character (0-9, A-Z without I L O, or * ~ $ = U)', { field: 'code' });
  }
  const code = fromData(data);
  if (code.check !== check) {
    throw new TesseraError('activation.code_mistyped', 'the check character does not match: a character is mistyped or two are swapped; type the code again', { field: 'code' });
  }
  return code;
}
