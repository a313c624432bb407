// How deeply a JSON text nests arrays and objects, read from its bytes. JSON.parse takes any
// depth, but serializing a deep value back (an echo) or walking it recursively overflows the
// stack: a 16 KiB body can nest 8,000 levels. The API refuses bodies nested past a limit.

/** Arrays and objects a request body may nest (the outermost counts as 1). */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * True when valid JSON text nests arrays and objects deeper than `limit`. Brackets inside
 * strings do not count. UTF-8 is read byte by byte: these ASCII bytes never occur inside a
 * multi-byte sequence. For text that is not JSON the answer means nothing.
 * @example exceedsJsonDepth(Buffer.from('[[["]]]]"]]]'), 2) // true
 */
export function exceedsJsonDepth(json: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
