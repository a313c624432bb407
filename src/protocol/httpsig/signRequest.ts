// Signs an HTTP request with an RFC 9421 message signature (hmac-sha256) and an RFC 9530
// Content-Digest. With only keyid, key and created it produces Tessera's request signature:
// ("@method" "@target-uri" "content-digest");created;nonce;keyid;alg;tag under label sig1.
import { toBase64Url, utf8 } from '../bytes.ts';
import type { Primitives } from '../primitives.ts';
import { createContentDigest, type MessageBody } from './contentDigest.ts';
import { createSignatureBase, type RequestView } from './signatureBase.ts';
import { type BareItem, type SfInnerList, serializeDictionary, type SfParameters } from './structuredFields.ts';

/** The `alg` value of the one algorithm supported (RFC 9421 §3.3.3). */
export const HMAC_SHA256 = 'hmac-sha256';
/** The `tag` of Tessera's authenticated requests. */
export const TESSERA_REQUEST_TAG = 'tessera/1/request';
/** Components every Tessera request signature covers. */
export const TESSERA_REQUEST_COMPONENTS: readonly string[] = Object.freeze(['@method', '@target-uri', 'content-digest']);
/** The signature label Tessera uses in Signature-Input and Signature. */
export const TESSERA_SIGNATURE_LABEL = 'sig1';
/** Random bytes in a generated nonce. */
export const NONCE_BYTES = 16;
/** Shortest HMAC key accepted, in bytes. */
export const MIN_KEY_BYTES = 32;

/** A request to sign: the view the signature covers plus the body for Content-Digest. */
export interface SignableRequest extends RequestView {
  body?: MessageBody;
}

/** Signature parameters and key. `null` leaves a defaulted parameter out (as RFC 9421 B.2.5 does). */
export interface SignRequestOptions {
  /** The `keyid` parameter; in Tessera the session id. */
  keyid: string;
  /** The HMAC key; in Tessera the 32-byte session request key. */
  key: Uint8Array;
  /** The `created` parameter, unix seconds. */
  created: number;
  /** The `expires` parameter, unix seconds; left out by default. */
  expires?: number;
  /** The `nonce` parameter; default: 16 random bytes as base64url. */
  nonce?: string | null;
  /** The `tag` parameter; default {@link TESSERA_REQUEST_TAG}. */
  tag?: string | null;
  /** The `alg` parameter; default {@link HMAC_SHA256}. */
  alg?: typeof HMAC_SHA256 | null;
  /** Covered components in order; default {@link TESSERA_REQUEST_COMPONENTS}. Append extra header names here. */
  components?: readonly string[];
  /** The signature label; default {@link TESSERA_SIGNATURE_LABEL}. */
  label?: string;
}

/** Header fields to add to the request (lower-case names). */
export type SignatureHeaders = {
  'content-digest': string;
  'signature-input': string;
  signature: string;
};

/** The hmac-sha256 signature of a signature base (RFC 9421 §3.3.3). */
export function hmacSignature(primitives: Primitives, key: Uint8Array, signatureBase: string): Uint8Array {
  if (key.length < MIN_KEY_BYTES) throw new RangeError(`hmac-sha256 key shorter than ${MIN_KEY_BYTES} bytes`);
  return primitives.hmac('sha256', key, utf8(signatureBase));
}

/**
 * Signs `request` (RFC 9421 §3.1) and returns the Content-Digest, Signature-Input and Signature
 * header fields to send with it. Content-Digest (sha-256 of the body, RFC 9530) replaces any
 * the caller set, so the digest that is signed is the one sent.
 * @example
 * const added = signRequest(nodePrimitives,
 *   { method: 'POST', targetUri: 'https://tessera.example/v1/bindings', headers: {}, body: json },
 *   { keyid: sessionId, key: requestKey, created: Math.floor(Date.now() / 1000) });
 */
export function signRequest(
  primitives: Primitives,
  request: SignableRequest,
  options: SignRequestOptions,
): SignatureHeaders {
  const contentDigest = createContentDigest(primitives, request.body);
  const headers = { ...request.headers, 'content-digest': contentDigest };
  const label = options.label ?? TESSERA_SIGNATURE_LABEL;
  const signatureParams = buildSignatureParams(primitives, options);
  const base = createSignatureBase({ method: request.method, targetUri: request.targetUri, headers }, signatureParams);
  const signature = hmacSignature(primitives, options.key, base);
  return {
    'content-digest': contentDigest,
    'signature-input': serializeDictionary(new Map([[label, signatureParams]])),
    signature: serializeDictionary(new Map([[label, { value: signature, params: new Map() }]])),
  };
}

function buildSignatureParams(primitives: Primitives, options: SignRequestOptions): SfInnerList {
  const components = options.components ?? TESSERA_REQUEST_COMPONENTS;
  if (!Number.isSafeInteger(options.created) || options.created < 0) throw new RangeError('created must be unix seconds');
  const params: SfParameters = new Map<string, BareItem>([['created', options.created]]);
  if (options.expires !== undefined) {
    if (!Number.isSafeInteger(options.expires) || options.expires < options.created) {
      throw new RangeError('expires must be unix seconds, not before created');
    }
    params.set('expires', options.expires);
  }
  params.set('keyid', options.keyid);
  const nonce = options.nonce === undefined ? toBase64Url(primitives.randomBytes(NONCE_BYTES)) : options.nonce;
  if (nonce !== null) params.set('nonce', nonce);
  const alg = options.alg === undefined ? HMAC_SHA256 : options.alg;
  if (alg !== null) params.set('alg', alg);
  const tag = options.tag === undefined ? TESSERA_REQUEST_TAG : options.tag;
  if (tag !== null) params.set('tag', tag);
  return { items: components.map((name) => ({ value: name, params: new Map() })), params };
}
