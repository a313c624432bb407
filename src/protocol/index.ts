// Public entry point `tessera/protocol`: the wire protocol as pure functions, shared by the
// server and terminals (encodings, transcripts, key derivation, handshake, request
// signatures, OCRA). No I/O; randomness and time come in through arguments. No Node API
// either: the node:crypto primitives are the separate entry `tessera/protocol/node`.
export { concatBytes, fromBase64Url, fromHex, fromUtf8, toBase64Url, toHex, utf8 } from './bytes.ts';
export { parseCredential, type TerminalCredential } from './credential.ts';
export { ERROR_CATALOGUE, type ErrorCode, isTesseraError, TesseraError } from './errors.ts';
export { type HandshakeContext, handshakeTranscript } from './handshake/handshakeContext.ts';
export { checkServerConfirm, type FinishConfirmKey } from './handshake/finishConfirmation.ts';
export type { FinishRequest, FinishResponse, HelloRequest, HelloResponse } from './handshake/messages.ts';
export { deriveOcraKey } from './handshake/ocraHandshakeSuite.ts';
export { type ChallengeRecord, checkTerminalProof, chooseSuite, confirmFinish, issueChallenge, serverSessionKey } from './handshake/serverHandshake.ts';
export { getHandshakeSuite, type HandshakeSuite, MAC_SUITE_NAMES } from './handshake/suites.ts';
export { answerChallenge, beginHandshake, type PendingHandshake, type TerminalIdentity } from './handshake/terminalHandshake.ts';
export * from './httpsig/index.ts';
export { deriveRequestKey, deriveSessionKey, deriveSubkey, deriveTerminalKey } from './keys.ts';
export * from './ocra/index.ts';
export { HASH_LENGTH, type HashName, type Primitives } from './primitives.ts';
export { LABEL_PREFIX, parseTranscript, type TranscriptField, transcript } from './transcript.ts';
export { checkUpdateFile, type UpdateFileVerdict } from './updates/checkUpdateFile.ts';
export { parseSignedUpdateManifest, parseUpdateManifest, type SignedUpdateManifest, type UpdateManifest, updateManifestTranscript } from './updates/updateManifest.ts';
export { compareUpdateVersions, isUpdateVersion, parseUpdateVersion } from './updates/updateVersion.ts';
export { type UpdateContext, type UpdateManifestVerdict, type UpdateRefusal, verifyUpdateManifest } from './updates/verifyUpdateManifest.ts';
export { ACTIVATION_CODE_FORMAT, type ActivationCode, activationCodeFromData, generateActivationCode, parseActivationCode } from './activation/activationCode.ts';
export { CROCKFORD_CHECK_SYMBOLS, CROCKFORD_SYMBOLS, crockfordCheckSymbol, normalizeCrockford } from './activation/crockfordBase32.ts';
