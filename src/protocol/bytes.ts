// Byte helpers shared by both sides: base64url (no padding), hex, UTF-8 and concatenation.
// Plain Uint8Array and Web APIs only, so the protocol path runs outside Node too.
import { TesseraError } from './errors.ts';

const B64URL = /^[A-Za-z0-9_-]*$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes bytes as base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes strict base64url without padding; throws `input.invalid_encoding` on anything else,
 * including non-canonical trailing bits, so one value has exactly one encoding.
 * @example fromBase64Url('AAE') // Uint8Array [0, 1]
 */
export function fromBase64Url(text: string, field = 'value'): Uint8Array {
  if (!B64URL.test(text) || text.length % 4 === 1) {
    throw new TesseraError('input.invalid_encoding', `${field} is not base64url without padding`);
  }
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  if (toBase64Url(out) !== text) {
    throw new TesseraError('input.invalid_encoding', `${field} is not canonical base64url`);
  }
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
