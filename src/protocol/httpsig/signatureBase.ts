// The RFC 9421 signature base: the exact text an HTTP message signature is computed over,
// built from a view of the request and the signature parameters (an Inner List of
// component identifiers with parameters). Signer and verifier both call this.
import { TesseraError } from '../errors.ts';
import { serializeBareItem, serializeInnerList, type SfInnerList } from './structuredFields.ts';

/** Header fields by lower-case name; an array stands for several field lines of one name. */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * A request as a signature sees it. `targetUri` is absolute (`https://host/path?query`); it is
 * parsed with the WHATWG URL parser, so signer and verifier normalise it the same way.
 */
export interface RequestView {
  method: string;
  targetUri: string;
  headers: HeaderMap;
}

/** The derived components (RFC 9421 §2.2) this implementation computes for requests. */
export const DERIVED_COMPONENTS = [
  '@method',
  '@target-uri',
  '@authority',
  '@scheme',
  '@path',
  '@query',
  '@request-target',
] as const;

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/; // RFC 9110 §9.1: method = token
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/; // RFC 9421 §2.1: lower-cased field name
const SAFE_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * The value of a header field as a component (RFC 9421 §2.1): each field line trimmed,
 * obsolete line folding replaced by one space, lines joined with ", ". `undefined` if absent.
 */
export function fieldValue(headers: HeaderMap, name: string): string | undefined {
  if (!Object.hasOwn(headers, name)) return undefined;
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const lines = typeof raw === 'string' ? [raw] : raw;
  if (lines.length === 0) return undefined;
  return lines.map((line) => line.replace(/\r?\n[ \t]+/g, ' ').trim()).join(', ');
}

/**
 * The value of one covered component for a request (RFC 9421 §2.1, §2.2).
 * Throws `input.invalid` when the component is unknown, not lower-case or absent.
 */
export function componentValue(request: RequestView, name: string): string {
  if (!name.startsWith('@')) {
    if (!FIELD_NAME.test(name)) throw invalid(`component ${JSON.stringify(name)} is not a lower-case field name`);
    const value = fieldValue(request.headers, name);
    if (value === undefined) throw invalid(`component ${name} is absent from the request`); // RFC 9421 §2.5
    return value;
  }
  if (name === '@method') {
    // RFC 9421 §2.2.1: the method as sent, case-sensitive
    if (!METHOD.test(request.method)) throw invalid('@method is not an HTTP method');
    return request.method;
  }
  const url = parseTarget(request.targetUri);
  const path = url.pathname === '' ? '/' : url.pathname; // RFC 9421 §2.2.6: empty path is "/"
  switch (name) {
    case '@target-uri': // RFC 9421 §2.2.2: absolute target URI, no fragment
      return `${url.protocol}//${url.host}${path}${url.search}`;
    case '@authority': // RFC 9421 §2.2.3: lower-cased host, default port removed
      return url.host;
    case '@scheme': // RFC 9421 §2.2.4: lower-case scheme
      return url.protocol.slice(0, -1);
    case '@request-target': // RFC 9421 §2.2.5: origin-form
      return path + url.search;
    case '@path':
      return path;
    case '@query': // RFC 9421 §2.2.7: with the leading "?"; "?" alone when there is no query
      return url.search === '' ? '?' : url.search;
    default:
      throw invalid(`component ${name} is not supported`);
  }
}

/**
 * Builds the signature base (RFC 9421 §2.5) for `request` over the covered components and
 * parameters in `signatureParams` — exactly what the Signature-Input member holds.
 * Throws `input.invalid` on a duplicate, unknown or absent component, a component with
 * parameters (not supported), or a value that is not printable ASCII.
 * @example createSignatureBase(view, { items: [{ value: '@method', params: new Map() }], params })
 */
export function createSignatureBase(request: RequestView, signatureParams: SfInnerList): string {
  const seen = new Set<string>();
  let base = '';
  for (const item of signatureParams.items) {
    if (typeof item.value !== 'string') throw invalid('a component identifier is not a string'); // RFC 9421 §2
    const name = item.value;
    if (item.params.size > 0) throw invalid(`component parameters on ${name} are not supported`);
    if (name === '@signature-params') throw invalid('@signature-params cannot be covered'); // RFC 9421 §2.3
    if (seen.has(name)) throw invalid(`component ${name} is covered twice`); // RFC 9421 §2.5 step 2.1
    seen.add(name);
    const value = componentValue(request, name);
    // RFC 9421 §2.5 step 4: ASCII only; a newline would forge an extra line
    if (!SAFE_VALUE.test(value)) throw invalid(`component ${name} has characters outside printable ASCII`);
    base += `${serializeBareItem(name)}: ${value}\n`;
  }
  // RFC 9421 §2.5 step 3: the "@signature-params" line, without a trailing newline
  return `${base}"@signature-params": ${serializeInnerList(signatureParams)}`;
}

function parseTarget(targetUri: string): URL {
  let url: URL;
  try {
    url = new URL(targetUri);
  } catch {
    throw invalid('targetUri is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('targetUri is not http(s)');
  if (url.username !== '' || url.password !== '') throw invalid('targetUri carries user info'); // RFC 9110 §4.2.4
  return url;
}

function invalid(message: string): TesseraError {
  return new TesseraError('input.invalid', message);
}
