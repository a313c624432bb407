// HTTP Message Signatures (RFC 9421, hmac-sha256) with Content-Digest (RFC 9530): the
// request signature both the server and the terminal SDK use after the handshake.
export {
  bodyBytes,
  checkContentDigest,
  createContentDigest,
  type DigestAlgorithm,
  type MessageBody,
} from './contentDigest.ts';
export {
  componentValue,
  createSignatureBase,
  DERIVED_COMPONENTS,
  fieldValue,
  type HeaderMap,
  type RequestView,
} from './signatureBase.ts';
export {
  HMAC_SHA256,
  hmacSignature,
  MIN_KEY_BYTES,
  NONCE_BYTES,
  type SignableRequest,
  type SignatureHeaders,
  type SignRequestOptions,
  signRequest,
  TESSERA_REQUEST_COMPONENTS,
  TESSERA_REQUEST_TAG,
  TESSERA_SIGNATURE_LABEL,
} from './signRequest.ts';
export {
  type BareItem,
  fromBase64,
  isInnerList,
  parseDictionary,
  type SfDictionary,
  type SfInnerList,
  type SfItem,
  type SfParameters,
  serializeDictionary,
  serializeInnerList,
  toBase64,
} from './structuredFields.ts';
export {
  DEFAULT_MAX_SKEW_SECONDS,
  type ReceivedRequest,
  type VerifiedRequest,
  type VerifyRequestOptions,
  verifyRequest,
} from './verifyRequest.ts';
