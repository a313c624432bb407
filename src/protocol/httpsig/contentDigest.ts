// Content-Digest (RFC 9530): a Dictionary of digest algorithm → Byte Sequence over the
// message content. Tessera sends sha-256 on every signed request, the empty body included.
import { utf8 } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import type { HashName, Primitives } from '../primitives.ts';
import { isInnerList, parseDictionary, serializeDictionary, type SfDictionary } from './structuredFields.ts';

/** Digest algorithms accepted in Content-Digest (RFC 9530 §7.2, status "Active"). */
export type DigestAlgorithm = 'sha-256' | 'sha-512';

/** A message body: bytes, or a string taken as its UTF-8 bytes; `undefined` is the empty body. */
export type MessageBody = Uint8Array | string | undefined;

const HASHES: Record<DigestAlgorithm, HashName> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

/** The bytes of a {@link MessageBody}. */
export function bodyBytes(body: MessageBody): Uint8Array {
  if (body === undefined) return new Uint8Array(0);
  return typeof body === 'string' ? utf8(body) : body;
}

/**
 * The Content-Digest field value for `body` (RFC 9530 §2).
 * @example createContentDigest(nodePrimitives, '') // 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:'
 */
export function createContentDigest(
  primitives: Primitives,
  body: MessageBody,
  algorithms: readonly DigestAlgorithm[] = ['sha-256'],
): string {
  if (algorithms.length === 0) throw new RangeError('at least one digest algorithm is needed');
  const bytes = bodyBytes(body);
  const dict: SfDictionary = new Map();
  for (const alg of algorithms) {
    const hash = HASHES[alg];
    if (!hash) throw new RangeError(`unsupported digest algorithm ${alg}`);
    dict.set(alg, { value: primitives.digest(hash, bytes), params: new Map() });
  }
  return serializeDictionary(dict);
}

/**
 * Checks a Content-Digest field value against the body actually received (RFC 9530 §2).
 * At least one accepted algorithm must be present, and every accepted algorithm present must
 * match; algorithms not accepted are ignored (RFC 9530 §2: a recipient uses those it supports).
 * Returns the algorithms that were checked; throws `sig.digest_mismatch` on a missing,
 * malformed, unusable or wrong digest.
 * @example checkContentDigest(nodePrimitives, req.headers['content-digest'], body)
 */
export function checkContentDigest(
  primitives: Primitives,
  header: string | undefined,
  body: MessageBody,
  accepted: readonly DigestAlgorithm[] = ['sha-256', 'sha-512'],
): DigestAlgorithm[] {
  if (header === undefined) throw new TesseraError('sig.digest_mismatch', 'content-digest is missing');
  let dict: SfDictionary;
  try {
    dict = parseDictionary(header, 'content-digest');
  } catch (err) {
    throw new TesseraError('sig.digest_mismatch', 'content-digest is malformed', { cause: err });
  }
  const bytes = bodyBytes(body);
  const checked: DigestAlgorithm[] = [];
  for (const alg of accepted) {
    const member = dict.get(alg);
    if (member === undefined) continue;
    // RFC 9530 §2: each member value is a Byte Sequence
    if (isInnerList(member) || !(member.value instanceof Uint8Array)) {
      throw new TesseraError('sig.digest_mismatch', `content-digest ${alg} is not a byte sequence`);
    }
    if (!primitives.equal(primitives.digest(HASHES[alg], bytes), member.value)) {
      throw new TesseraError('sig.digest_mismatch', 'content-digest does not match the body');
    }
    checked.push(alg);
  }
  if (checked.length === 0) throw new TesseraError('sig.digest_mismatch', 'content-digest has no accepted algorithm');
  return checked;
}
