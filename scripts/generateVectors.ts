// Generates test/vectors/tessera-protocol.json, the worked example of docs/protocol.md, by
// running the real protocol code (src/protocol) on fixed inputs. Randomness is injected:
// a Primitives wrapper hands out fixed bytes in order; everything else is node:crypto.
//   npm run vectors            writes the file
//   npm run vectors -- --check exits 1 when the file differs from what the code produces now
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex, toBase64Url, toHex } from '../src/protocol/bytes.ts';
import type { TerminalCredential } from '../src/protocol/credential.ts';
import { checkServerConfirm, finishConfirmTranscript } from '../src/protocol/handshake/finishConfirmation.ts';
import { type HandshakeContext, handshakeTranscript } from '../src/protocol/handshake/handshakeContext.ts';
import type { FinishRequest, FinishResponse, HelloRequest, HelloResponse } from '../src/protocol/handshake/messages.ts';
import { parseFinishResponse } from '../src/protocol/handshake/messages.ts';
import { deriveOcraKey } from '../src/protocol/handshake/ocraHandshakeSuite.ts';
import { checkTerminalProof, chooseSuite, confirmFinish, issueChallenge, serverSessionKey } from '../src/protocol/handshake/serverHandshake.ts';
import { getHandshakeSuite } from '../src/protocol/handshake/suites.ts';
import { answerChallenge, beginHandshake, type TerminalIdentity } from '../src/protocol/handshake/terminalHandshake.ts';
import { createSignatureBase } from '../src/protocol/httpsig/signatureBase.ts';
import { signRequest } from '../src/protocol/httpsig/signRequest.ts';
import { isInnerList, parseDictionary } from '../src/protocol/httpsig/structuredFields.ts';
import { deriveRequestKey, deriveSubkey, deriveTerminalKey } from '../src/protocol/keys.ts';
import { nodePrimitives } from '../src/protocol/nodePrimitives.ts';
import { ocraQuestionFromNonce } from '../src/protocol/ocra/mutualOcra.ts';
import { ocraDataInput } from '../src/protocol/ocra/ocraDataInput.ts';
import { parseOcraSuite } from '../src/protocol/ocra/parseOcraSuite.ts';
import type { HashName, Primitives } from '../src/protocol/primitives.ts';
import { encodeStringList, transcript } from '../src/protocol/transcript.ts';
import { STATE_CAPABILITIES } from '../src/server/services/lifecycle.ts';

/** Where the vectors live, relative to the repository root. */
export const VECTOR_FILE = fileURLToPath(new URL('../test/vectors/tessera-protocol.json', import.meta.url));

/** The fixed inputs every vector is computed from (bytes as lower-case hex). */
const INPUTS = Object.freeze({
  masterKey: 'c08bbde2695fa20ca5d44e037629c1efa270f5a76463c51609cb1a23e0edb2b2',
  kid: 1,
  terminalId: 'T-0001',
  serverId: 'tessera-example',
  url: 'https://tessera.example',
  nonceT: 'efe51fdfccd56ce8ffa4d6de86da8269ed4b8536d3b42b061c8263ee0042d475',
  challengeIdBytes: 'f639a8b204ac15664292177cded166e9',
  nonceS: '83b9d8ebf2c158b28e68cd3e7c41c71e52ce2363b7698b37ffb1f77f1d1a95d6',
  /** 2025-01-01T00:00:00Z, the server clock during the handshake. */
  nowMs: 1_735_689_600_000,
  challengeTtlSeconds: 30,
  sessionIdBytes: 'f3bcf35d979efef64a196944845da1ef',
  sessionTtlSeconds: 900,
});

const OCRA_SUITE = 'OCRA-1:HOTP-SHA256-8:QH64';
/**
 * OCRA suites with the other two question formats (docs/protocol.md §5.3, §5.4): their
 * questions, DataInputs and responses from the same nonces and terminal key. Only the proofs
 * differ from the QH64 handshake; everything bound to the transcript is shown there.
 */
const OCRA_QUESTION_SUITES = ['OCRA-1:HOTP-SHA256-8:QN64', 'OCRA-1:HOTP-SHA256-8:QA32'] as const;
/** The hash each MAC suite runs on (docs/protocol.md §4.3); OCRA suites derive with SHA-256. */
const SUITE_HASH: Readonly<Record<string, HashName>> = { 'hmac-sha256': 'sha256', 'hmac-sm3': 'sm3' };

/** One handshake vector: which suites the terminal offers and the server prefers. */
const HANDSHAKES: readonly { offered: string[]; preference: string[] }[] = [
  { offered: ['hmac-sha256', 'hmac-sm3'], preference: ['hmac-sha256', 'hmac-sm3'] },
  { offered: ['hmac-sm3', 'hmac-sha256'], preference: ['hmac-sm3', 'hmac-sha256'] },
  { offered: [OCRA_SUITE], preference: ['hmac-sha256', 'hmac-sm3', OCRA_SUITE] },
];

/** The signed request of the example (made in the hmac-sha256 session). */
const REQUEST = Object.freeze({
  method: 'POST',
  path: '/v1/session/echo',
  body: '{"amount":12}',
  contentType: 'application/json',
  /** One second after the handshake. */
  created: 1_735_689_601,
  nonceBytes: 'ce471d8340330a6da4606d96b48146cb',
});

/**
 * Primitives whose randomBytes returns the given byte strings in order (each request must ask
 * for exactly the next one's length); everything else is node:crypto.
 */
export function fixedRandomPrimitives(queue: readonly Uint8Array[]): Primitives & { remaining(): number } {
  const pending = [...queue];
  return {
    ...nodePrimitives,
    randomBytes(length: number): Uint8Array {
      const next = pending.shift();
      if (!next) throw new Error(`fixed randomness exhausted (asked for ${length} bytes)`);
      if (next.length !== length) throw new Error(`fixed randomness: next value has ${next.length} bytes, asked for ${length}`);
      return next.slice();
    },
    remaining: () => pending.length,
  };
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`vector generation: ${what}`);
}

const iso = (ms: number) => new Date(ms).toISOString();

function transcriptExample() {
  const fields: ({ utf8: string } | { hex: string })[] = [
    { utf8: 'tessera-example' },
    { utf8: 'T-0001' },
    { hex: '00000001' },
    { hex: '' },
    { hex: 'ff00' },
  ];
  const bytes = transcript(
    'example',
    fields.map((f) => ('utf8' in f ? f.utf8 : fromHex(f.hex))),
  );
  return { purpose: 'example', label: 'tessera/1/example', fields, hex: toHex(bytes) };
}

function suiteListExample() {
  const suites = ['hmac-sha256', 'hmac-sm3'];
  return { suites, hex: toHex(encodeStringList(suites)) };
}

function macKeys(hash: HashName, kt: Uint8Array) {
  return { hash, K_s2t: toHex(deriveSubkey(nodePrimitives, hash, kt, 's2t')), K_t2s: toHex(deriveSubkey(nodePrimitives, hash, kt, 't2s')) };
}

function handshakeVector(kt: Uint8Array, offered: string[], preference: string[]) {
  const identity: TerminalIdentity = { terminalId: INPUTS.terminalId, kid: INPUTS.kid, key: kt, serverId: INPUTS.serverId };
  const p = fixedRandomPrimitives([fromHex(INPUTS.nonceT), fromHex(INPUTS.challengeIdBytes), fromHex(INPUTS.nonceS)]);

  // docs/protocol.md §4 — T→S hello
  const { hello, pending } = beginHandshake(p, identity, offered);
  // S: choose the suite (§4.4), issue the challenge with the server's proof (§4.5)
  const suite = chooseSuite(hello.suites, hello.suites, preference); // the offer's order, within what the server allows
  if (!suite) throw new Error(`vector generation: no suite chosen from ${offered.join(',')}`);
  const { record, response } = issueChallenge(p, {
    serverId: INPUTS.serverId,
    terminalId: hello.terminalId,
    kid: INPUTS.kid,
    offered: hello.suites,
    nonceT: hello.nonceT,
    suite: suite,
    terminalKey: kt,
    lotId: null,
    now: INPUTS.nowMs,
    ttlMs: INPUTS.challengeTtlSeconds * 1000,
  });
  // T: check the server's proof, make the finish (§4.6)
  const { finish, sessionKey, confirmKey } = answerChallenge(p, pending, response);
  // S: check the terminal's proof (§4.7)
  check(checkTerminalProof(p, INPUTS.serverId, record, kt, finish.terminalProof), `${suite.name}: the server refused the terminal's proof`);
  check(toHex(serverSessionKey(p, INPUTS.serverId, record, kt)) === toHex(sessionKey), `${suite.name}: session keys differ`);
  check(p.remaining() === 0, 'fixed randomness not fully used');

  const ctx: HandshakeContext = {
    serverId: INPUTS.serverId,
    terminalId: INPUTS.terminalId,
    kid: INPUTS.kid,
    suite: suite.name,
    offered,
    nonceT: fromHex(INPUTS.nonceT),
    nonceS: fromHex(INPUTS.nonceS),
    challengeId: response.challengeId,
  };
  const handshake = handshakeTranscript('handshake', ctx);
  const hash = SUITE_HASH[suite.name] ?? 'sha256';
  check(suite.hash === hash, `${suite.name}: the suite's hash is not the one of §4.3`);
  const handshakeHash = nodePrimitives.digest(hash, handshake);
  // S: answer the finish with its confirmation (§4.7 step 6); T: check it (§4.9)
  const finishResponse: FinishResponse = confirmFinish(nodePrimitives, INPUTS.serverId, record, kt, {
    sessionId: toBase64Url(fromHex(INPUTS.sessionIdBytes)),
    expiresAt: iso(INPUTS.nowMs + INPUTS.sessionTtlSeconds * 1000),
    capabilities: [...STATE_CAPABILITIES.active],
  });
  checkServerConfirm(nodePrimitives, confirmKey, parseFinishResponse(JSON.parse(JSON.stringify(finishResponse))));
  const messages: { hello: HelloRequest; helloResponse: HelloResponse; finish: FinishRequest; finishResponse: FinishResponse } = {
    hello,
    helloResponse: response,
    finish,
    finishResponse,
  };
  const common = {
    suite: suite.name,
    family: suite.family,
    offered,
    serverPreference: preference,
  };
  const tail = {
    handshakeHash: toHex(handshakeHash),
    sessionKeyInfo: toHex(transcript('session-key', [handshakeHash])),
    serverProof: response.serverProof,
    terminalProof: finish.terminalProof,
    sessionKey: toHex(sessionKey),
    requestKey: toHex(deriveRequestKey(nodePrimitives, sessionKey)),
    finishConfirm: {
      hash,
      K_fc: toHex(confirmKey.key),
      transcript: toHex(finishConfirmTranscript(confirmKey.handshakeHash, finishResponse)),
      serverConfirm: finishResponse.serverConfirm,
    },
    messages,
  };

  if (suite.family === 'mac') {
    return {
      ...common,
      keys: macKeys(hash, kt),
      transcripts: {
        'server-proof': toHex(handshakeTranscript('server-proof', ctx)),
        'terminal-proof': toHex(handshakeTranscript('terminal-proof', ctx)),
        handshake: toHex(handshake),
      },
      ...tail,
    };
  }
  const parsed = parseOcraSuite(suite.name);
  const { format, length } = parsed.question;
  const clientQuestion = ocraQuestionFromNonce(ctx.nonceT, format, length);
  const serverQuestion = ocraQuestionFromNonce(ctx.nonceS, format, length);
  return {
    ...common,
    keys: { hash: 'sha256' as HashName, ocraKey: toHex(deriveOcraKey(nodePrimitives, kt, parsed)) },
    ocra: {
      clientQuestion,
      serverQuestion,
      serverDataInput: toHex(ocraDataInput(parsed, { question: clientQuestion + serverQuestion })),
      terminalDataInput: toHex(ocraDataInput(parsed, { question: serverQuestion + clientQuestion })),
    },
    transcripts: { handshake: toHex(handshake) },
    ...tail,
  };
}

/** Questions, DataInputs and both responses of an OCRA suite, through the handshake suite itself. */
function ocraQuestionVector(kt: Uint8Array, name: string) {
  const suite = getHandshakeSuite(name);
  if (suite?.family !== 'ocra') throw new Error(`vector generation: ${name} is not an OCRA handshake suite`);
  const ctx: HandshakeContext = {
    serverId: INPUTS.serverId,
    terminalId: INPUTS.terminalId,
    kid: INPUTS.kid,
    suite: name,
    offered: [name],
    nonceT: fromHex(INPUTS.nonceT),
    nonceS: fromHex(INPUTS.nonceS),
    challengeId: toBase64Url(fromHex(INPUTS.challengeIdBytes)),
  };
  const parsed = parseOcraSuite(name);
  const { format, length } = parsed.question;
  const clientQuestion = ocraQuestionFromNonce(ctx.nonceT, format, length);
  const serverQuestion = ocraQuestionFromNonce(ctx.nonceS, format, length);
  return {
    suite: name,
    format,
    length,
    ocraKey: toHex(deriveOcraKey(nodePrimitives, kt, parsed)),
    clientQuestion,
    serverQuestion,
    serverDataInput: toHex(ocraDataInput(parsed, { question: clientQuestion + serverQuestion })),
    terminalDataInput: toHex(ocraDataInput(parsed, { question: serverQuestion + clientQuestion })),
    serverProof: suite.serverProof(nodePrimitives, kt, ctx),
    terminalProof: suite.terminalProof(nodePrimitives, kt, ctx),
  };
}

function signedRequestVector(sessionId: string, requestKeyHex: string, suite: string) {
  const p = fixedRandomPrimitives([fromHex(REQUEST.nonceBytes)]);
  const url = INPUTS.url + REQUEST.path;
  const headers = { 'content-type': REQUEST.contentType };
  const signed = signRequest(
    p,
    { method: REQUEST.method, targetUri: url, headers, body: REQUEST.body },
    { keyid: sessionId, key: fromHex(requestKeyHex), created: REQUEST.created },
  );
  check(p.remaining() === 0, 'request nonce not used');
  const params = parseDictionary(signed['signature-input'], 'signature-input').get('sig1');
  if (params === undefined || !isInnerList(params)) throw new Error('vector generation: signature-input has no sig1 inner list');
  const signatureBase = createSignatureBase({ method: REQUEST.method, targetUri: url, headers: { ...headers, ...signed } }, params);
  return {
    session: suite,
    keyid: sessionId,
    requestKey: requestKeyHex,
    created: REQUEST.created,
    nonce: toBase64Url(fromHex(REQUEST.nonceBytes)),
    method: REQUEST.method,
    url,
    body: REQUEST.body,
    headers: { ...headers, ...signed },
    signatureBase,
    signature: toHex(nodePrimitives.hmac('sha256', fromHex(requestKeyHex), new TextEncoder().encode(signatureBase))),
  };
}

/** Builds the whole vector document from the fixed inputs. Deterministic. */
export function buildProtocolVectors() {
  const master = fromHex(INPUTS.masterKey);
  const kt = deriveTerminalKey(nodePrimitives, master, INPUTS.terminalId);
  const handshakes = HANDSHAKES.map((h) => handshakeVector(kt, h.offered, h.preference));
  const credential: TerminalCredential = {
    version: 1,
    terminalId: INPUTS.terminalId,
    kid: INPUTS.kid,
    key: toBase64Url(kt),
    serverId: INPUTS.serverId,
    url: INPUTS.url,
    suites: ['hmac-sha256', 'hmac-sm3'],
  };
  const first = handshakes[0]!;
  return {
    title: 'Tessera protocol v1 test vectors',
    source: 'generated by scripts/generateVectors.ts from src/protocol (npm run vectors); do not edit by hand',
    spec: 'docs/protocol.md',
    conventions: [
      'Byte strings are lower-case hex, except values that travel as they are on the wire (JSON messages, headers, proofs, ids): those keep their wire encoding.',
      'transcripts.* are the exact MAC inputs; keys are the raw key bytes.',
      'Every handshake uses the same fixed inputs; the suite and the offered list are what differ.',
    ],
    transcriptExample: transcriptExample(),
    suiteListExample: suiteListExample(),
    inputs: {
      masterKey: INPUTS.masterKey,
      kid: INPUTS.kid,
      terminalId: INPUTS.terminalId,
      serverId: INPUTS.serverId,
      nonceT: INPUTS.nonceT,
      nonceS: INPUTS.nonceS,
      challengeIdBytes: INPUTS.challengeIdBytes,
      challengeId: toBase64Url(fromHex(INPUTS.challengeIdBytes)),
      now: iso(INPUTS.nowMs),
      challengeTtlSeconds: INPUTS.challengeTtlSeconds,
      sessionIdBytes: INPUTS.sessionIdBytes,
      sessionId: toBase64Url(fromHex(INPUTS.sessionIdBytes)),
      sessionTtlSeconds: INPUTS.sessionTtlSeconds,
    },
    terminalKey: toHex(kt),
    credential,
    handshakes,
    ocraQuestions: OCRA_QUESTION_SUITES.map((name) => ocraQuestionVector(kt, name)),
    signedRequest: signedRequestVector(first.messages.finishResponse.sessionId, first.requestKey, first.suite),
  };
}

/** The vector document as written to disk: two-space JSON and a final newline. */
export function serializeVectors(vectors: ReturnType<typeof buildProtocolVectors>): string {
  return `${JSON.stringify(vectors, null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const text = serializeVectors(buildProtocolVectors());
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(VECTOR_FILE, 'utf8');
    } catch {
      current = '';
    }
    if (current !== text) {
      process.stderr.write(`${VECTOR_FILE} is out of date with src/protocol; run npm run vectors\n`);
      return 1;
    }
    process.stdout.write(`${VECTOR_FILE} is up to date\n`);
    return 0;
  }
  writeFileSync(VECTOR_FILE, text);
  process.stdout.write(`wrote ${VECTOR_FILE}\n`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
