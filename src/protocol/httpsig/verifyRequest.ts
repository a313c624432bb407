// Verifies a Tessera request signature (RFC 9421 §3.2, hmac-sha256) and its Content-Digest
// (RFC 9530). Checks run cheapest first: parse, policy, clock, digest; only then the key
// lookup and MAC; the nonce is remembered last, once the MAC has verified.
import { TesseraError } from '../errors.ts';
import type { Primitives } from '../primitives.ts';
import { checkContentDigest, type MessageBody } from './contentDigest.ts';
import { createSignatureBase, fieldValue, type RequestView } from './signatureBase.ts';
import {
  HMAC_SHA256,
  hmacSignature,
  TESSERA_REQUEST_COMPONENTS,
  TESSERA_REQUEST_TAG,
  TESSERA_SIGNATURE_LABEL,
} from './signRequest.ts';
import { isInnerList, parseDictionary, type SfDictionary, type SfInnerList } from './structuredFields.ts';

/** Default allowed clock difference between signer and verifier, in seconds. */
export const DEFAULT_MAX_SKEW_SECONDS = 30;

const NONCE = /^[A-Za-z0-9_-]{22,128}$/; // base64url of at least 16 bytes
const MAX_KEYID = 256;

/** A received request: the signed view and the body exactly as received. */
export interface ReceivedRequest extends RequestView {
  body?: MessageBody;
}

/** What the verifier needs from its caller. */
export interface VerifyRequestOptions {
  /** The verifier's clock, unix seconds. */
  now: number;
  /** The key for a keyid (the session request key); `undefined` refuses with `sig.invalid`. May throw its own TesseraError. */
  resolveKey(keyid: string): Promise<Uint8Array | undefined>;
  /** Stores the nonce for `ttlSeconds`; resolves false if it was already stored (a replay). */
  rememberNonce(keyid: string, nonce: string, ttlSeconds: number): Promise<boolean>;
  /** Components that must be covered; default {@link TESSERA_REQUEST_COMPONENTS}. */
  requiredComponents?: readonly string[];
  /** The `tag` the signature must carry; default {@link TESSERA_REQUEST_TAG}. */
  tag?: string;
  /** The signature label to verify; default {@link TESSERA_SIGNATURE_LABEL}. */
  label?: string;
  /** Allowed |now − created|, seconds; default {@link DEFAULT_MAX_SKEW_SECONDS}. */
  maxSkewSeconds?: number;
}

/** A verified signature. */
export interface VerifiedRequest {
  keyid: string;
  created: number;
  nonce: string;
  /** Covered components, in signed order. */
  covered: string[];
}

/**
 * Verifies the request signature under `options.label` and refuses with a TesseraError
 * (`sig.missing`, `sig.invalid`, `sig.stale`, `sig.digest_mismatch`, `sig.replayed`; all 401).
 * @example
 * const { keyid } = await verifyRequest(nodePrimitives, { method, targetUri, headers, body },
 *   { now, resolveKey: (id) => sessions.requestKey(id), rememberNonce: (id, n, ttl) => nonces.add(`${id}:${n}`, ttl) });
 */
export async function verifyRequest(
  primitives: Primitives,
  request: ReceivedRequest,
  options: VerifyRequestOptions,
): Promise<VerifiedRequest> {
  const label = options.label ?? TESSERA_SIGNATURE_LABEL;
  const maxSkew = options.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  const { signatureParams, signature } = readSignatureFields(request, label);
  const { keyid, created, expires, nonce, covered } = checkParameters(signatureParams, options);

  // RFC 9421 §3.2.1: created and expires against the verifier's clock
  if (Math.abs(options.now - created) > maxSkew) throw new TesseraError('sig.stale');
  if (expires !== undefined && expires < options.now) throw new TesseraError('sig.stale');

  let base: string;
  try {
    base = createSignatureBase(request, signatureParams); // RFC 9421 §3.2
  } catch (err) {
    throw new TesseraError('sig.invalid', 'a covered component cannot be computed', { cause: err });
  }
  // RFC 9530 §2: the signed digest must be the received body's digest
  if (covered.includes('content-digest')) {
    checkContentDigest(primitives, fieldValue(request.headers, 'content-digest'), request.body, ['sha-256']); // Tessera profile: sha-256 is mandatory
  }

  const key = await options.resolveKey(keyid); // RFC 9421 §3.2: key material from keyid
  if (key === undefined) throw new TesseraError('sig.invalid', 'unknown key');
  // RFC 9421 §3.3.3: recompute and compare in constant time
  if (!primitives.equal(hmacSignature(primitives, key, base), signature)) throw new TesseraError('sig.invalid');

  // RFC 9421 §3.2.1: a nonce is single-use for as long as `created` is acceptable
  const ttlSeconds = Math.max(1, created + maxSkew - options.now + 1);
  if (!(await options.rememberNonce(keyid, nonce, ttlSeconds))) throw new TesseraError('sig.replayed');
  return { keyid, created, nonce, covered };
}

function readSignatureFields(request: RequestView, label: string): { signatureParams: SfInnerList; signature: Uint8Array } {
  const inputField = fieldValue(request.headers, 'signature-input');
  const signatureField = fieldValue(request.headers, 'signature');
  if (inputField === undefined || signatureField === undefined) {
    throw new TesseraError('sig.missing', 'signature-input or signature is missing');
  }
  // RFC 9421 §4.1, §4.2: both are Dictionaries keyed by label
  const inputs = parseOrRefuse(inputField, 'signature-input');
  const signatures = parseOrRefuse(signatureField, 'signature');
  const signatureParams = inputs.get(label);
  const signatureMember = signatures.get(label);
  if (signatureParams === undefined || signatureMember === undefined) {
    throw new TesseraError('sig.missing', `no signature labelled ${label}`);
  }
  if (!isInnerList(signatureParams)) throw new TesseraError('sig.missing', 'signature-input member is not an inner list');
  if (isInnerList(signatureMember) || !(signatureMember.value instanceof Uint8Array)) {
    throw new TesseraError('sig.missing', 'signature member is not a byte sequence');
  }
  return { signatureParams, signature: signatureMember.value };
}

function parseOrRefuse(text: string, field: string): SfDictionary {
  try {
    return parseDictionary(text, field);
  } catch (err) {
    throw new TesseraError('sig.missing', `${field} is malformed`, { cause: err });
  }
}

function checkParameters(
  signatureParams: SfInnerList,
  options: VerifyRequestOptions,
): { keyid: string; created: number; expires: number | undefined; nonce: string; covered: string[] } {
  const p = signatureParams.params;
  const created = p.get('created');
  const expires = p.get('expires');
  const keyid = p.get('keyid');
  const nonce = p.get('nonce');
  // RFC 9421 §2.3: created/expires are Integers, keyid/nonce/alg/tag are Strings
  if (typeof created !== 'number' || created < 0) throw new TesseraError('sig.invalid', 'created is missing');
  if (expires !== undefined && typeof expires !== 'number') throw new TesseraError('sig.invalid', 'expires is not an integer');
  if (typeof keyid !== 'string' || keyid === '' || keyid.length > MAX_KEYID) throw new TesseraError('sig.invalid', 'keyid is missing');
  if (typeof nonce !== 'string' || !NONCE.test(nonce)) throw new TesseraError('sig.invalid', 'nonce is missing or malformed');
  // RFC 9421 §3.2.1: the algorithm is fixed by policy, and alg must agree with it
  if (p.get('alg') !== HMAC_SHA256) throw new TesseraError('sig.invalid', 'alg is not hmac-sha256');
  // RFC 9421 §2.3: tag names the application profile
  if (p.get('tag') !== (options.tag ?? TESSERA_REQUEST_TAG)) throw new TesseraError('sig.invalid', 'unexpected tag');
  const covered: string[] = [];
  for (const item of signatureParams.items) {
    if (typeof item.value !== 'string') throw new TesseraError('sig.invalid', 'a component identifier is not a string');
    covered.push(item.value);
  }
  // RFC 9421 §3.2.1: the verifier's required components must all be covered
  for (const required of options.requiredComponents ?? TESSERA_REQUEST_COMPONENTS) {
    if (!covered.includes(required)) throw new TesseraError('sig.invalid', `${required} is not covered`);
  }
  return { keyid, created, expires, nonce, covered };
}
