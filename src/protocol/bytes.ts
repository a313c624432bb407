// Byte helpers shared by both sides: base64url (no padding), hex, UTF-8 and concatenation.
// Plain Uint8Array and Web APIs only, so the protocol path runs outside Node too.
import { TesseraError } from './errors.ts';

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Character code → 6-bit value, or -1 for a character outside the base64url alphabet. */
const B64URL_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64URL_VALUE[B64URL_ALPHABET.charCodeAt(i)] = i;
const b64Digit = (text: string, i: number): number => {
  const c = text.charCodeAt(i);
  return c < 128 ? B64URL_VALUE[c]! : -1;
};

/** Encodes bytes as base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  const a = B64URL_ALPHABET;
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += a[n >>> 18]! + a[(n >>> 12) & 63]! + a[(n >>> 6) & 63]! + a[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]!;
    out += a[n >>> 2]! + a[(n & 3) << 4]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 8) | bytes[i + 1]!;
    out += a[n >>> 10]! + a[(n >>> 4) & 63]! + a[(n & 15) << 2]!;
  }
  return out;
}

/**
 * Decodes strict base64url without padding; throws `input.invalid_encoding` on anything else,
 * including non-canonical trailing bits, so one value has exactly one encoding.
 * @example fromBase64Url('AAE') // Uint8Array [0, 1]
 */
export function fromBase64Url(text: string, field = 'value'): Uint8Array {
  const tail = text.length % 4;
  if (tail === 1) throw new TesseraError('input.invalid_encoding', `${field} is not base64url without padding`);
  const out = new Uint8Array(((text.length - tail) / 4) * 3 + (tail === 0 ? 0 : tail - 1));
  let o = 0;
  let i = 0;
  let bad = 0;
  for (; i + 4 <= text.length; i += 4) {
    const a = b64Digit(text, i), b = b64Digit(text, i + 1), c = b64Digit(text, i + 2), d = b64Digit(text, i + 3);
    bad |= a | b | c | d; // any -1 sets the sign bit
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  let stray = 0;
  if (tail === 2) {
    const a = b64Digit(text, i), b = b64Digit(text, i + 1);
    bad |= a | b;
    out[o] = (a << 2) | (b >>> 4);
    stray = b & 15;
  } else if (tail === 3) {
    const a = b64Digit(text, i), b = b64Digit(text, i + 1), c = b64Digit(text, i + 2);
    bad |= a | b | c;
    out[o] = (a << 2) | (b >>> 4);
    out[o + 1] = ((b & 15) << 4) | (c >>> 2);
    stray = c & 3;
  }
  if (bad < 0) throw new TesseraError('input.invalid_encoding', `${field} is not base64url without padding`);
  if (stray !== 0) throw new TesseraError('input.invalid_encoding', `${field} is not canonical base64url`);
  return out;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lower-case hex of the bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX_PAIRS[bytes[i]!]!;
  return s;
}

/** Parses an even-length hex string; throws `input.invalid_encoding` otherwise. */
export function fromHex(text: string, field = 'value'): Uint8Array {
  if (!HEX.test(text)) throw new TesseraError('input.invalid_encoding', `${field} is not hex`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  // Short ASCII strings (ids, labels, suite names) are copied directly: TextEncoder's call
  // into native code costs more than the copy for them, and they are most of the calls.
  if (text.length <= 64) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) return encoder.encode(text);
      out[i] = c;
    }
    return out;
  }
  return encoder.encode(text);
}

/** Decodes UTF-8, refusing malformed sequences. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Big-endian unsigned integer of `width` bytes. */
export function uintBE(value: number | bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let v = BigInt(value);
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new RangeError(`value does not fit in ${width} bytes`);
  return out;
}
