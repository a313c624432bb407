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
  for (const it of items) {
    out[off] = it.length >>> 8;
    out[off + 1] = it.length & 0xff;
    out.set(it, off + 2);
    off += 2 + it.length;
  }
  return out;
}

/** Splits a transcript back into its label and fields (used by tests and tooling). */
export function parseTranscript(bytes: Uint8Array): { label: string; fields: Uint8Array[] } {
  const items: Uint8Array[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (off + 2 > bytes.length) throw new RangeError('truncated transcript');
    const len = (bytes[off]! << 8) | bytes[off + 1]!;
    if (off + 2 + len > bytes.length) throw new RangeError('truncated transcript');
    items.push(bytes.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  const [label, ...fields] = items;
  if (!label) throw new RangeError('empty transcript');
  return { label: new TextDecoder().decode(label), fields };
}
