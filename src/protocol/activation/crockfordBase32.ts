// Crockford's base32 (https://www.crockford.com/base32.html): the 32 symbols 0-9 A-Z without
// I L O U, read case-insensitively with I/L taken as 1 and O as 0, and the optional check
// symbol: the value modulo 37 written with five more symbols `* ~ $ = U`.

/** The 32 data symbols, value = index. */
export const CROCKFORD_SYMBOLS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The 37 check symbols: the data symbols, then `*~$=U` for the values 32–36. */
export const CROCKFORD_CHECK_SYMBOLS = `${CROCKFORD_SYMBOLS}*~$=U`;

/** The modulus of the check symbol: the least prime above 32. */
export const CROCKFORD_CHECK_MODULUS = 37;

const ALIASES: Readonly<Record<string, string>> = { I: '1', L: '1', O: '0' };

/**
 * Puts typed text in canonical form: upper case, hyphens and white space dropped, and the
 * look-alike letters decoded as Crockford specifies (I and L are 1, O is 0). Other symbols
 * are kept as they are, so the caller still sees what is not base32.
 * @example normalizeCrockford('ab-cd o1l') // 'ABCD011'
 */
export function normalizeCrockford(text: string): string {
  return text
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/[ILO]/g, (c) => ALIASES[c]!);
}

/** The value (0–31) of a canonical data symbol, or undefined if it is not one. */
export function crockfordValue(symbol: string): number | undefined {
  const i = symbol.length === 1 ? CROCKFORD_SYMBOLS.indexOf(symbol) : -1;
  return i < 0 ? undefined : i;
}

/**
 * The check symbol of canonical data symbols: their value as one base-32 number, modulo 37.
 * Because 37 is prime and larger than every symbol value, a single changed symbol or two
 * swapped adjacent symbols always change the remainder (docs/protocol.md §12.2).
 * @example crockfordCheckSymbol('0') // '0'; crockfordCheckSymbol('Z') // 'Z' (31); crockfordCheckSymbol('10') // '*' (32)
 */
export function crockfordCheckSymbol(data: string): string {
  let remainder = 0;
  for (const symbol of data) {
    const value = crockfordValue(symbol);
    if (value === undefined) throw new RangeError('not a canonical Crockford base32 data symbol');
    remainder = (remainder * 32 + value) % CROCKFORD_CHECK_MODULUS;
  }
  return CROCKFORD_CHECK_SYMBOLS[remainder]!;
}

/**
 * Writes bytes as data symbols, five bits per symbol, most significant bit first; the bit
 * count must be a multiple of 5 (10 bytes → 16 symbols).
 */
export function encodeCrockford(bytes: Uint8Array): string {
  if ((bytes.length * 8) % 5 !== 0) throw new RangeError('the bit length must be a multiple of 5');
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff; // at most 4 + 8 bits are ever pending
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD_SYMBOLS[(buffer >>> bits) & 31];
    }
  }
  return out;
}
