// Wire shapes of the handshake (docs/protocol.md §4.1) and the terminal's check of what the
// server sent back. The server validates requests with JSON schemas built from the same limits.
import { fromBase64Url } from '../bytes.ts';
import { TesseraError } from '../errors.ts';
import type { HardwareEvidence } from '../hardware/hardwareEvidence.ts';

/** Limits shared by the server's schemas and the terminal's parser. */
export const HANDSHAKE_LIMITS = Object.freeze({
  terminalIdPattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$',
  nonceBytes: 32,
  challengeIdBytes: 16,
  maxSuites: 8,
  maxSuiteName: 64,
  maxProof: 128,
  maxKid: 0xffffffff,
  /** A finish answer's capabilities: at most this many names of at most maxCapabilityName characters. */
  maxCapabilities: 32,
  maxCapabilityName: 64,
});

/** T→S `POST /v1/auth/hello`. */
export interface HelloRequest {
  terminalId: string;
  /** Master-key version of the terminal key (from the credential). */
  kid: number;
  /** The production lot of a factory-made terminal (its key derives from the lot key). */
  lotId?: string;
  nonceT: string;
  suites: string[];
  /** Hardware evidence (docs/protocol.md §4.1); required of factory-made terminals. */
  evidence?: HardwareEvidence;
}

/** S→T answer to hello. */
export interface HelloResponse {
  challengeId: string;
  suite: string;
  nonceS: string;
  serverProof: string;
  expiresAt: string;
}

/** T→S `POST /v1/auth/finish`. */
export interface FinishRequest {
  challengeId: string;
  terminalProof: string;
}

/** S→T answer to finish. */
export interface FinishResponse {
  sessionId: string;
  expiresAt: string;
  capabilities: string[];
  /** base64url HMAC under K_fc over the handshake hash and the three members above (docs/protocol.md §4.9). */
  serverConfirm: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(obj: Record<string, unknown>, key: string, max: number): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) {
    throw new TesseraError('client.bad_response', `server response field ${key} is missing or invalid`);
  }
  return v;
}

function timestamp(obj: Record<string, unknown>, key: string): string {
  const v = str(obj, key, 40);
  if (Number.isNaN(Date.parse(v))) throw new TesseraError('client.bad_response', `server response field ${key} is not a time`);
  return v;
}

/** Parses and checks the shape of a hello response; nonceS must be 32 bytes. */
export function parseHelloResponse(body: unknown): HelloResponse {
  if (!isObject(body)) throw new TesseraError('client.bad_response', 'hello response is not an object');
  const out: HelloResponse = {
    challengeId: str(body, 'challengeId', 64),
    suite: str(body, 'suite', HANDSHAKE_LIMITS.maxSuiteName),
    nonceS: str(body, 'nonceS', 64),
    serverProof: str(body, 'serverProof', HANDSHAKE_LIMITS.maxProof),
    expiresAt: timestamp(body, 'expiresAt'),
  };
  try {
    if (fromBase64Url(out.nonceS).length !== HANDSHAKE_LIMITS.nonceBytes) throw new Error('length');
  } catch {
    throw new TesseraError('client.bad_response', 'server nonce is not 32 bytes of base64url');
  }
  return out;
}

/**
 * Parses and checks the shape of a finish response. A response without `serverConfirm` is
 * `auth.server_not_genuine` (a server that does not confirm is not trusted); whether the
 * confirmation holds is checked by checkServerConfirm (finishConfirmation.ts).
 */
export function parseFinishResponse(body: unknown): FinishResponse {
  if (!isObject(body)) throw new TesseraError('client.bad_response', 'finish response is not an object');
  const caps = body['capabilities'];
  const capability = (c: unknown) => typeof c === 'string' && c.length > 0 && c.length <= HANDSHAKE_LIMITS.maxCapabilityName;
  if (!Array.isArray(caps) || caps.length > HANDSHAKE_LIMITS.maxCapabilities || !caps.every(capability)) {
    throw new TesseraError('client.bad_response', 'server response field capabilities is invalid');
  }
  const out = { sessionId: str(body, 'sessionId', 64), expiresAt: timestamp(body, 'expiresAt'), capabilities: caps as string[] };
  if (body['serverConfirm'] === undefined) throw new TesseraError('auth.server_not_genuine', 'the server did not confirm its finish answer');
  return { ...out, serverConfirm: str(body, 'serverConfirm', HANDSHAKE_LIMITS.maxProof) };
}
