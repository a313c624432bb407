// Public entry of the OCRA module (RFC 6287): suite parsing, DataInput, compute/verify, mutual mode.
export { type OcraHash, type OcraQuestionFormat, type OcraSuite, type OcraTimeUnit, parseOcraSuite } from './parseOcraSuite.ts';
export { OCRA_QUESTION_BYTES, type OcraDataInputs, encodeOcraQuestion, ocraDataInput, ocraTimestamp } from './ocraDataInput.ts';
export {
  type OcraInputs,
  type OcraVerification,
  type VerifyOcraOptions,
  computeOcra,
  verifyOcra,
} from './computeOcra.ts';
export {
  type MutualOcraInputs,
  assertHandshakeSuite,
  clientResponse,
  ocraQuestionFromNonce,
  serverResponse,
  verifyClientResponse,
  verifyServerResponse,
} from './mutualOcra.ts';
