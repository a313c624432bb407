// The subset of RFC 8941 Structured Field Values that HTTP Message Signatures need:
// Dictionaries whose members are Items or Inner Lists, with Parameters; bare items are
// Integers, Strings, Booleans and Byte Sequences (Tokens and Decimals are refused).
// The parser is strict: anything malformed, ambiguous or non-canonical is refused.
import { TesseraError } from '../errors.ts';

/** A bare item of the supported subset (RFC 8941 §3.3): Integer, String, Boolean or Byte Sequence. */
export type BareItem = number | string | boolean | Uint8Array;
/** Ordered parameters (RFC 8941 §3.1.2); insertion order is serialization order. */
export type SfParameters = Map<string, BareItem>;
/** An Item with its parameters (RFC 8941 §3.3). */
export interface SfItem {
  value: BareItem;
  params: SfParameters;
}
/** An Inner List with its parameters (RFC 8941 §3.1.1). */
export interface SfInnerList {
  items: SfItem[];
  params: SfParameters;
}
/** A Dictionary (RFC 8941 §3.2); insertion order is serialization order. */
export type SfDictionary = Map<string, SfItem | SfInnerList>;

const KEY = /^[a-z*][a-z0-9_.*-]*$/;
const STRING_CHARS = /^[\x20-\x7e]*$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_INTEGER = 999_999_999_999_999;

/** True when a dictionary member is an Inner List. */
export function isInnerList(member: SfItem | SfInnerList): member is SfInnerList {
  return 'items' in member;
}

/** Encodes bytes as standard, padded base64 (RFC 4648 §4), as Byte Sequences carry them. */
export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin);
}

/**
 * Decodes canonical padded base64 (RFC 4648 §4): no whitespace, padding present and
 * non-zero pad bits refused, so one value has exactly one encoding.
 * Throws `input.invalid_encoding` otherwise.
 */
export function fromBase64(text: string, field = 'value'): Uint8Array {
  const out = decodeCanonicalBase64(text);
  if (!out) throw new TesseraError('input.invalid_encoding', `${field} is not canonical base64`, { field });
  return out;
}

function decodeCanonicalBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return toBase64(out) === text ? out : undefined;
}

// ---- serialization (RFC 8941 §4.1) ----

/** Serializes a bare item (RFC 8941 §4.1.3.1); throws `input.invalid` for values outside the subset. */
export function serializeBareItem(value: BareItem): string {
  if (typeof value === 'number') {
    // RFC 8941 §4.1.4: integers only, at most 15 digits
    if (!Number.isInteger(value) || Math.abs(value) > MAX_INTEGER) throw invalid('field', 'integer out of range');
    return String(value);
  }
  if (typeof value === 'string') {
    // RFC 8941 §4.1.6: printable ASCII, with `"` and `\` escaped
    if (!STRING_CHARS.test(value)) throw invalid('field', 'string has characters outside printable ASCII');
    return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  }
  if (typeof value === 'boolean') return value ? '?1' : '?0'; // RFC 8941 §4.1.9
  return `:${toBase64(value)}:`; // RFC 8941 §4.1.8
}

function serializeKey(key: string): string {
  if (!KEY.test(key)) throw invalid('field', `bad key ${JSON.stringify(key)}`); // RFC 8941 §4.1.1.3
  return key;
}

/** Serializes parameters (RFC 8941 §4.1.1.2); a `true` value is written as the bare key. */
export function serializeParameters(params: SfParameters): string {
  let out = '';
  for (const [key, value] of params) out += `;${serializeKey(key)}${value === true ? '' : `=${serializeBareItem(value)}`}`;
  return out;
}

/** Serializes an Item with its parameters (RFC 8941 §4.1.3). */
export function serializeItem(item: SfItem): string {
  return serializeBareItem(item.value) + serializeParameters(item.params);
}

/** Serializes an Inner List (RFC 8941 §4.1.1.1), as `@signature-params` needs it. */
export function serializeInnerList(list: SfInnerList): string {
  return `(${list.items.map(serializeItem).join(' ')})${serializeParameters(list.params)}`;
}

/**
 * Serializes a Dictionary (RFC 8941 §4.1.2).
 * @example serializeDictionary(new Map([['sha-256', { value: digest, params: new Map() }]]))
 */
export function serializeDictionary(dict: SfDictionary): string {
  const members: string[] = [];
  for (const [key, member] of dict) {
    if (isInnerList(member)) members.push(`${serializeKey(key)}=${serializeInnerList(member)}`);
    else if (member.value === true) members.push(serializeKey(key) + serializeParameters(member.params));
    else members.push(`${serializeKey(key)}=${serializeItem(member)}`);
  }
  return members.join(', ');
}

// ---- parsing (RFC 8941 §4.2) ----

interface Cursor {
  readonly text: string;
  pos: number;
  readonly field: string;
}

/**
 * Parses a Dictionary field value strictly (RFC 8941 §4.2, §4.2.2). Duplicate keys, Tokens,
 * Decimals and non-canonical base64 are refused as well. Throws `input.invalid`.
 * @example parseDictionary('sig1=("@method");created=1', 'signature-input')
 */
export function parseDictionary(text: string, field = 'field'): SfDictionary {
  const c: Cursor = { text, pos: 0, field };
  // RFC 8941 §4.2: the input must be ASCII; only SP/HTAB may appear as whitespace
  if (!/^[\t\x20-\x7e]*$/.test(text)) throw invalid(field, 'not printable ASCII');
  skip(c, / */y);
  const dict: SfDictionary = new Map();
  while (c.pos < text.length) {
    const key = parseKey(c);
    let member: SfItem | SfInnerList;
    if (text[c.pos] === '=') {
      c.pos++;
      member = text[c.pos] === '(' ? parseInnerList(c) : parseItem(c);
    } else {
      member = { value: true, params: parseParameters(c) };
    }
    if (dict.has(key)) throw invalid(field, `duplicate key ${key}`);
    dict.set(key, member);
    skip(c, /[ \t]*/y);
    if (c.pos >= text.length) return dict;
    if (text[c.pos] !== ',') throw invalid(field, `expected "," at ${c.pos}`);
    c.pos++;
    skip(c, /[ \t]*/y);
    if (c.pos >= text.length) throw invalid(field, 'trailing comma'); // RFC 8941 §4.2.2
  }
  return dict;
}

function parseInnerList(c: Cursor): SfInnerList {
  c.pos++; // "("
  const items: SfItem[] = [];
  while (c.pos < c.text.length) {
    skip(c, / */y);
    if (c.text[c.pos] === ')') {
      c.pos++;
      return { items, params: parseParameters(c) };
    }
    items.push(parseItem(c));
    const next = c.text[c.pos];
    if (next !== ' ' && next !== ')') throw invalid(c.field, `expected " " or ")" at ${c.pos}`); // RFC 8941 §4.2.1.2
  }
  throw invalid(c.field, 'unterminated inner list');
}

function parseItem(c: Cursor): SfItem {
  const value = parseBareItem(c);
  return { value, params: parseParameters(c) };
}

function parseParameters(c: Cursor): SfParameters {
  const params: SfParameters = new Map();
  while (c.text[c.pos] === ';') {
    c.pos++;
    skip(c, / */y);
    const key = parseKey(c);
    let value: BareItem = true;
    if (c.text[c.pos] === '=') {
      c.pos++;
      value = parseBareItem(c);
    }
    if (params.has(key)) throw invalid(c.field, `duplicate parameter ${key}`);
    params.set(key, value);
  }
  return params;
}

function parseKey(c: Cursor): string {
  const m = /[a-z*][a-z0-9_.*-]*/y;
  m.lastIndex = c.pos;
  const found = m.exec(c.text);
  if (!found) throw invalid(c.field, `expected a key at ${c.pos}`); // RFC 8941 §4.2.3.3
  c.pos = m.lastIndex;
  return found[0];
}

function parseBareItem(c: Cursor): BareItem {
  const ch = c.text[c.pos];
  if (ch === '"') return parseString(c);
  if (ch === ':') return parseByteSequence(c);
  if (ch === '?') return parseBoolean(c);
  if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return parseInteger(c);
  throw invalid(c.field, `unsupported or missing item at ${c.pos}`);
}

function parseInteger(c: Cursor): number {
  // RFC 8941 §4.2.4: at most 15 digits; a "." would make it a Decimal, outside this subset
  const m = /-?([0-9]{1,15})(?![0-9.])/y;
  m.lastIndex = c.pos;
  const found = m.exec(c.text);
  if (!found) throw invalid(c.field, `bad integer at ${c.pos}`);
  c.pos = m.lastIndex;
  const n = Number(found[0]);
  return n === 0 ? 0 : n;
}

function parseString(c: Cursor): string {
  let out = '';
  c.pos++; // opening quote
  while (c.pos < c.text.length) {
    const ch = c.text[c.pos++]!;
    if (ch === '"') return out;
    if (ch === '\\') {
      const next = c.text[c.pos++];
      if (next !== '"' && next !== '\\') throw invalid(c.field, 'bad escape in string'); // RFC 8941 §4.2.5
      out += next;
    } else if (ch < ' ' || ch > '~') {
      throw invalid(c.field, 'control character in string');
    } else {
      out += ch;
    }
  }
  throw invalid(c.field, 'unterminated string');
}

function parseByteSequence(c: Cursor): Uint8Array {
  const end = c.text.indexOf(':', c.pos + 1);
  if (end < 0) throw invalid(c.field, 'unterminated byte sequence');
  // RFC 8941 §4.2.7 lets parsers accept unpadded or non-zero pad bits; we do not, so that
  // one signature has exactly one encoding.
  const bytes = decodeCanonicalBase64(c.text.slice(c.pos + 1, end));
  if (!bytes) throw invalid(c.field, 'byte sequence is not canonical base64');
  c.pos = end + 1;
  return bytes;
}

function parseBoolean(c: Cursor): boolean {
  const v = c.text[c.pos + 1];
  if (v !== '0' && v !== '1') throw invalid(c.field, 'bad boolean'); // RFC 8941 §4.2.8
  c.pos += 2;
  return v === '1';
}

function skip(c: Cursor, re: RegExp): void {
  re.lastIndex = c.pos;
  if (re.exec(c.text)) c.pos = re.lastIndex;
}

function invalid(field: string, why: string): TesseraError {
  return new TesseraError('input.invalid', `${field} is not a valid structured field: ${why}`, { field });
}
