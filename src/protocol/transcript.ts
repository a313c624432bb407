// Transcript encoding: the only input ever given to a MAC or signature in Tessera.
// Layout (docs/protocol.md §2): item(label) ‖ item(field_1) ‖ … ‖ item(field_n),
// where item(x) = u16be(len(x)) ‖ x and label = ASCII "tessera/1/<purpose>".
import { utf8 } from './bytes.ts';

/** Protocol version label prefix. */
export const LABEL_PREFIX = 'tessera/1/';
const MAX_FIELD = 0xffff;

/** A transcript field: bytes, or a string taken as its UTF-8 bytes. */
export type TranscriptField = Uint8Array | string;

/**
 * Encodes a labelled, length-prefixed transcript. The label is itself the first
 * length-prefixed item, so no two (purpose, fields) pairs share an encoding.
 * @example transcript('server-proof', ['srv', 'T-0001'])
 */
export function transcript(purpose: string, fields: readonly TranscriptField[]): Uint8Array {
  if (!/^[a-z0-9-]+(?:\/[a-z0-9-]+)*$/.test(purpose)) throw new RangeError(`bad transcript purpose: ${purpose}`);
  return encodeItems([utf8(LABEL_PREFIX + purpose), ...fields.map((f) => (typeof f === 'string' ? utf8(f) : f))]);
}

/** item(x_1) ‖ … ‖ item(x_n) with item(x) = u16be(len(x)) ‖ x: the encoding of every transcript list. */
export function encodeItems(items: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const it of items) {
    if (it.length > MAX_FIELD) throw new RangeError('transcript field longer than 65535 bytes');
    size += 2 + it.length;
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const it of items) off = writeItem(out, off, it);
  return out;
}

/** Writes item(b) = u16be(len(b)) ‖ b into `out` at `off`; returns the offset after it. The caller checks len(b) ≤ 65535. */
export function writeItem(out: Uint8Array, off: number, b: Uint8Array): number {
  out[off] = b.length >>> 8;
  out[off + 1] = b.length & 0xff;
  out.set(b, off + 2);
  return off + 2 + b.length;
}

/** A list of strings as one field: item(UTF-8(s_1)) ‖ … ‖ item(UTF-8(s_n)) (offered suites, lot lists). */
export function encodeStringList(strings: readonly string[]): Uint8Array {
  return encodeItems(strings.map(utf8));
}

/** The items x_1 … x_n of item(x_1) ‖ … ‖ item(x_n) (views into `bytes`); undefined when an item runs past the end. */
export function splitItems(bytes: Uint8Array): Uint8Array[] | undefined {
  const items: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; ) {
    if (off + 2 > bytes.length) return undefined;
    const len = (bytes[off]! << 8) | bytes[off + 1]!;
    if (off + 2 + len > bytes.length) return undefined;
    items.push(bytes.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  return items;
}

/** Splits a transcript back into its label and fields (used by tests and tooling). */
export function parseTranscript(bytes: Uint8Array): { label: string; fields: Uint8Array[] } {
  const items = splitItems(bytes);
  if (!items) throw new RangeError('truncated transcript');
  const [label, ...fields] = items;
  if (!label) throw new RangeError('empty transcript');
  return { label: new TextDecoder().decode(label), fields };
}
