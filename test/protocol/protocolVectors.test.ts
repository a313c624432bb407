// Tessera's own protocol vectors (test/vectors/tessera-protocol.json, made by
// scripts/generateVectors.ts): every value is recomputed three ways so that the code, the
// vector file and docs/protocol.md cannot drift apart:
//   1. with the protocol code, from the file's fixed inputs;
//   2. with node:crypto directly, following the text of docs/protocol.md (no Tessera code);
//   3. every vector value quoted in the ```vector blocks of docs/protocol.md is in the file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from '../../src/protocol/bytes.ts';
import { parseCredential } from '../../src/protocol/credential.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { checkServerConfirm, finishConfirmKey, finishConfirmTranscript } from '../../src/protocol/handshake/finishConfirmation.ts';
import { type HandshakeContext, handshakeTranscript } from '../../src/protocol/handshake/handshakeContext.ts';
import { parseFinishResponse, parseHelloResponse } from '../../src/protocol/handshake/messages.ts';
import { deriveOcraKey } from '../../src/protocol/handshake/ocraHandshakeSuite.ts';
import { checkTerminalProof, chooseSuite, confirmFinish, issueChallenge, serverSessionKey } from '../../src/protocol/handshake/serverHandshake.ts';
import { getHandshakeSuite } from '../../src/protocol/handshake/suites.ts';
import { answerChallenge, beginHandshake, type TerminalIdentity } from '../../src/protocol/handshake/terminalHandshake.ts';
import { createSignatureBase, isInnerList, parseDictionary, signRequest, verifyRequest } from '../../src/protocol/httpsig/index.ts';
import { deriveRequestKey, deriveSessionKey, deriveSubkey, deriveTerminalKey } from '../../src/protocol/keys.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { ocraDataInput, ocraQuestionFromNonce, parseOcraSuite } from '../../src/protocol/ocra/index.ts';
import type { HashName, Primitives } from '../../src/protocol/primitives.ts';
import { encodeStringList, parseTranscript, transcript } from '../../src/protocol/transcript.ts';

// ---- the vector file ----

interface Messages {
  hello: { terminalId: string; kid: number; nonceT: string; suites: string[] };
  helloResponse: { challengeId: string; suite: string; nonceS: string; serverProof: string; expiresAt: string };
  finish: { challengeId: string; terminalProof: string };
  finishResponse: { sessionId: string; expiresAt: string; capabilities: string[]; serverConfirm: string };
}
interface HandshakeVector {
  suite: string;
  family: 'mac' | 'ocra';
  offered: string[];
  serverPreference: string[];
  keys: { hash: HashName; K_s2t?: string; K_t2s?: string; ocraKey?: string };
  ocra?: { clientQuestion: string; serverQuestion: string; serverDataInput: string; terminalDataInput: string };
  transcripts: { 'server-proof'?: string; 'terminal-proof'?: string; handshake: string };
  handshakeHash: string;
  sessionKeyInfo: string;
  serverProof: string;
  terminalProof: string;
  sessionKey: string;
  requestKey: string;
  finishConfirm: { hash: HashName; K_fc: string; transcript: string; serverConfirm: string };
  messages: Messages;
}
/** An OCRA suite with an N or A question: questions, DataInputs and responses over the handshake's nonces. */
interface OcraQuestionVector {
  suite: string;
  format: 'N' | 'A';
  length: number;
  ocraKey: string;
  clientQuestion: string;
  serverQuestion: string;
  serverDataInput: string;
  terminalDataInput: string;
  serverProof: string;
  terminalProof: string;
}
interface VectorFile {
  title: string;
  source: string;
  spec: string;
  transcriptExample: { purpose: string; label: string; fields: ({ utf8: string } | { hex: string })[]; hex: string };
  suiteListExample: { suites: string[]; hex: string };
  inputs: {
    masterKey: string;
    kid: number;
    terminalId: string;
    serverId: string;
    nonceT: string;
    nonceS: string;
    challengeIdBytes: string;
    challengeId: string;
    now: string;
    challengeTtlSeconds: number;
    sessionIdBytes: string;
    sessionId: string;
    sessionTtlSeconds: number;
  };
  terminalKey: string;
  credential: Record<string, unknown>;
  handshakes: HandshakeVector[];
  ocraQuestions: OcraQuestionVector[];
  signedRequest: {
    session: string;
    keyid: string;
    requestKey: string;
    created: number;
    nonce: string;
    method: string;
    url: string;
    body: string;
    headers: Record<'content-type' | 'content-digest' | 'signature-input' | 'signature', string>;
    signatureBase: string;
    signature: string;
  };
}

const VECTOR_PATH = new URL('../vectors/tessera-protocol.json', import.meta.url);
const DOC_PATH = new URL('../../docs/protocol.md', import.meta.url);
const v = JSON.parse(readFileSync(VECTOR_PATH, 'utf8')) as VectorFile;
const inp = v.inputs;
const p = nodePrimitives;

/** node:crypto primitives whose randomBytes hands out the given values in order. */
function fixedRandom(queue: Uint8Array[]): Primitives & { left(): number } {
  const pending = [...queue];
  return {
    ...nodePrimitives,
    randomBytes(length) {
      const next = pending.shift();
      assert.ok(next && next.length === length, `unexpected randomBytes(${length})`);
      return next.slice();
    },
    left: () => pending.length,
  };
}

function contextOf(h: HandshakeVector): HandshakeContext {
  return {
    serverId: inp.serverId,
    terminalId: inp.terminalId,
    kid: inp.kid,
    suite: h.suite,
    offered: h.offered,
    nonceT: fromHex(inp.nonceT),
    nonceS: fromHex(inp.nonceS),
    challengeId: inp.challengeId,
  };
}

const terminalKey = fromHex(v.terminalKey);
const byFamily = (family: 'mac' | 'ocra') => v.handshakes.filter((h) => h.family === family);

test('the vector file names its generator and its spec, and covers the required suites', () => {
  assert.match(v.source, /generated by scripts\/generateVectors\.ts from src\/protocol/);
  assert.equal(v.spec, 'docs/protocol.md');
  assert.deepEqual(
    v.handshakes.map((h) => h.suite),
    ['hmac-sha256', 'hmac-sm3', 'OCRA-1:HOTP-SHA256-8:QH64'],
  );
});

test('the vector file is exactly what the generator produces from the code now', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/generateVectors.ts', '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, `npm run vectors -- --check failed: ${run.stderr}`);
});

// ---- 1. against the protocol code ----

test('code: transcript example and suite-list example', () => {
  const ex = v.transcriptExample;
  const fields = ex.fields.map((f) => ('utf8' in f ? f.utf8 : fromHex(f.hex)));
  const bytes = transcript(ex.purpose, fields);
  assert.equal(toHex(bytes), ex.hex);
  const parsed = parseTranscript(bytes);
  assert.equal(parsed.label, ex.label);
  assert.deepEqual(parsed.fields.map(toHex), fields.map((f) => toHex(typeof f === 'string' ? utf8(f) : f)));
  assert.equal(toHex(encodeStringList(v.suiteListExample.suites)), v.suiteListExample.hex);
});

test('code: terminal key and credential file', () => {
  assert.equal(toHex(deriveTerminalKey(p, fromHex(inp.masterKey), inp.terminalId)), v.terminalKey);
  const credential = parseCredential(v.credential);
  assert.equal(toHex(fromBase64Url(credential.key)), v.terminalKey);
  assert.equal(credential.terminalId, inp.terminalId);
  assert.equal(credential.serverId, inp.serverId);
  assert.equal(credential.kid, inp.kid);
  assert.equal(inp.challengeId, toBase64Url(fromHex(inp.challengeIdBytes)));
  assert.equal(inp.sessionId, toBase64Url(fromHex(inp.sessionIdBytes)));
});

for (const h of v.handshakes) {
  test(`code: ${h.suite} keys, transcripts, proofs and session keys`, () => {
    const suite = getHandshakeSuite(h.suite);
    assert.ok(suite);
    assert.equal(suite.family, h.family);
    assert.equal(chooseSuite(h.offered, h.offered, h.serverPreference)?.name, h.suite); // the offer's order, within what the server allows (§4.4)
    const ctx = contextOf(h);
    for (const [purpose, hex] of Object.entries(h.transcripts)) {
      assert.equal(toHex(handshakeTranscript(purpose as 'server-proof' | 'terminal-proof' | 'handshake', ctx)), hex, purpose);
    }
    if (h.family === 'mac') {
      assert.equal(toHex(deriveSubkey(p, h.keys.hash, terminalKey, 's2t')), h.keys.K_s2t);
      assert.equal(toHex(deriveSubkey(p, h.keys.hash, terminalKey, 't2s')), h.keys.K_t2s);
    } else {
      const parsed = parseOcraSuite(h.suite);
      const ocraKey = deriveOcraKey(p, terminalKey, parsed);
      assert.equal(toHex(ocraKey), h.keys.ocraKey);
      const { format, length } = parsed.question;
      assert.equal(ocraQuestionFromNonce(ctx.nonceT, format, length), h.ocra?.clientQuestion);
      assert.equal(ocraQuestionFromNonce(ctx.nonceS, format, length), h.ocra?.serverQuestion);
      assert.equal(toHex(ocraDataInput(parsed, { question: h.ocra!.clientQuestion + h.ocra!.serverQuestion })), h.ocra?.serverDataInput);
      assert.equal(toHex(ocraDataInput(parsed, { question: h.ocra!.serverQuestion + h.ocra!.clientQuestion })), h.ocra?.terminalDataInput);
      const expectedSession = deriveSessionKey(p, 'sha256', ocraKey, ctx.nonceT, ctx.nonceS, handshakeTranscript('handshake', ctx));
      assert.equal(toHex(expectedSession), h.sessionKey);
    }
    assert.equal(toHex(p.digest(h.keys.hash, fromHex(h.transcripts.handshake))), h.handshakeHash);
    assert.equal(toHex(transcript('session-key', [fromHex(h.handshakeHash)])), h.sessionKeyInfo);
    assert.equal(suite.serverProof(p, terminalKey, ctx), h.serverProof);
    assert.equal(suite.terminalProof(p, terminalKey, ctx), h.terminalProof);
    const sessionKey = suite.sessionKey(p, terminalKey, ctx);
    assert.equal(toHex(sessionKey), h.sessionKey);
    assert.equal(toHex(deriveRequestKey(p, sessionKey)), h.requestKey);
    assert.equal(suite.hash, h.finishConfirm.hash);
    const confirmKey = finishConfirmKey(p, suite, terminalKey, ctx);
    assert.equal(toHex(confirmKey.key), h.finishConfirm.K_fc);
    assert.equal(toHex(confirmKey.handshakeHash), h.handshakeHash, 'the confirmation covers the handshake hash the session key covers');
    assert.equal(toHex(finishConfirmTranscript(confirmKey.handshakeHash, h.messages.finishResponse)), h.finishConfirm.transcript);
    assert.equal(h.messages.finishResponse.serverConfirm, h.finishConfirm.serverConfirm);
  });

  test(`code: ${h.suite} messages come out of the real handshake steps`, () => {
    const rnd = fixedRandom([fromHex(inp.nonceT), fromHex(inp.challengeIdBytes), fromHex(inp.nonceS)]);
    const identity: TerminalIdentity = { terminalId: inp.terminalId, kid: inp.kid, key: terminalKey, serverId: inp.serverId };
    const { hello, pending } = beginHandshake(rnd, identity, h.offered);
    assert.deepEqual(hello, h.messages.hello);
    const suite = chooseSuite(hello.suites, hello.suites, h.serverPreference);
    assert.ok(suite);
    const now = Date.parse(inp.now);
    const { record, response } = issueChallenge(rnd, {
      serverId: inp.serverId,
      terminalId: hello.terminalId,
      kid: inp.kid,
      offered: hello.suites,
      nonceT: hello.nonceT,
      suite,
      terminalKey,
      lotId: null,
      now,
      ttlMs: inp.challengeTtlSeconds * 1000,
    });
    assert.deepEqual(response, h.messages.helloResponse);
    assert.deepEqual(parseHelloResponse(JSON.parse(JSON.stringify(response))), h.messages.helloResponse);
    const { finish, sessionKey, confirmKey } = answerChallenge(rnd, pending, parseHelloResponse(h.messages.helloResponse));
    assert.deepEqual(finish, h.messages.finish);
    assert.equal(toHex(sessionKey), h.sessionKey);
    assert.equal(rnd.left(), 0);
    const checked = checkTerminalProof(p, inp.serverId, record, terminalKey, h.messages.finish.terminalProof);
    assert.ok(checked);
    assert.equal(toHex(serverSessionKey(p, inp.serverId, record, terminalKey)), h.sessionKey);
    const { serverConfirm: _c, ...granted } = h.messages.finishResponse;
    assert.deepEqual(confirmFinish(p, inp.serverId, record, terminalKey, granted), h.messages.finishResponse);
    const done = checkServerConfirm(p, confirmKey, parseFinishResponse(JSON.parse(JSON.stringify(h.messages.finishResponse))));
    assert.equal(done.sessionId, inp.sessionId);
    assert.equal(Date.parse(done.expiresAt), now + inp.sessionTtlSeconds * 1000);
    assert.equal(Date.parse(h.messages.helloResponse.expiresAt), now + inp.challengeTtlSeconds * 1000);
  });

  test(`code: ${h.suite} vectors refuse a finish answer with any covered member changed, or none`, () => {
    const confirmKey = { hash: h.finishConfirm.hash, key: fromHex(h.finishConfirm.K_fc), handshakeHash: fromHex(h.handshakeHash) };
    const answer = h.messages.finishResponse;
    const notGenuine = (err: unknown) => isTesseraError(err, 'auth.server_not_genuine');
    for (const changed of [
      { ...answer, sessionId: inp.challengeId },
      { ...answer, expiresAt: '2025-01-01T00:15:00.001Z' },
      { ...answer, expiresAt: '2025-01-01T00:15:00Z' }, // the same instant, another string
      { ...answer, capabilities: [...answer.capabilities, 'activate'] },
      { ...answer, capabilities: [...answer.capabilities].reverse() },
      { ...answer, capabilities: answer.capabilities.slice(1) },
      { ...answer, capabilities: [answer.capabilities.join('')] }, // the list is length-prefixed per name
    ]) {
      assert.throws(() => checkServerConfirm(p, confirmKey, parseFinishResponse(changed)), notGenuine, JSON.stringify(changed));
    }
    const { serverConfirm: _c, ...unconfirmed } = answer;
    assert.throws(() => parseFinishResponse(unconfirmed), notGenuine);
    // another handshake's confirmation (the other suites' vectors) never fits this one
    for (const other of v.handshakes.filter((o) => o !== h)) {
      assert.throws(() => checkServerConfirm(p, confirmKey, { ...answer, serverConfirm: other.finishConfirm.serverConfirm }), notGenuine, other.suite);
    }
  });

  test(`code: ${h.suite} vectors refuse a tampered proof, offered list or suite`, () => {
    const pending = { identity: { terminalId: inp.terminalId, kid: inp.kid, key: terminalKey, serverId: inp.serverId }, offered: h.offered, nonceT: fromHex(inp.nonceT) };
    const wrongProof = { ...h.messages.helloResponse, serverProof: h.messages.helloResponse.serverProof.replace(/^./, (c) => (c === 'A' || c === '1' ? 'B' : '1')) };
    assert.throws(() => answerChallenge(p, pending, wrongProof), (err) => isTesseraError(err, 'auth.server_not_genuine'));
    const unoffered = { ...h.messages.helloResponse, suite: h.family === 'mac' ? 'OCRA-1:HOTP-SHA1-6:QN08' : 'hmac-sha256' };
    assert.throws(() => answerChallenge(p, pending, unoffered), (err) => isTesseraError(err, 'auth.server_not_genuine'));
    if (h.family === 'ocra') {
      // MAC → OCRA: the same answer is a downgrade once the terminal also offered a MAC suite
      const both = { ...pending, offered: ['hmac-sha256', ...h.offered] };
      assert.throws(() => answerChallenge(p, both, h.messages.helloResponse), (err) => isTesseraError(err, 'auth.server_not_genuine'));
    } else {
      // the offered list is in the transcript: dropping a suite changes the server's proof
      const fewer = { ...pending, offered: [h.suite] };
      assert.throws(() => answerChallenge(p, fewer, h.messages.helloResponse), (err) => isTesseraError(err, 'auth.server_not_genuine'));
    }
  });
}

for (const q of v.ocraQuestions) {
  test(`code: ${q.suite} questions, DataInputs and responses`, () => {
    const suite = getHandshakeSuite(q.suite);
    assert.ok(suite && suite.family === 'ocra');
    const parsed = parseOcraSuite(q.suite);
    assert.deepEqual(parsed.question, { format: q.format, length: q.length });
    assert.equal(toHex(deriveOcraKey(p, terminalKey, parsed)), q.ocraKey);
    const ctx = { ...contextOf(v.handshakes[2]!), suite: q.suite, offered: [q.suite] };
    assert.equal(ocraQuestionFromNonce(ctx.nonceT, q.format, q.length), q.clientQuestion);
    assert.equal(ocraQuestionFromNonce(ctx.nonceS, q.format, q.length), q.serverQuestion);
    assert.equal(toHex(ocraDataInput(parsed, { question: q.clientQuestion + q.serverQuestion })), q.serverDataInput);
    assert.equal(toHex(ocraDataInput(parsed, { question: q.serverQuestion + q.clientQuestion })), q.terminalDataInput);
    assert.equal(suite.serverProof(p, terminalKey, ctx), q.serverProof);
    assert.equal(suite.terminalProof(p, terminalKey, ctx), q.terminalProof);
  });
}

test('code: the signed request is what signRequest makes, and verifyRequest accepts it once', async () => {
  const r = v.signedRequest;
  const first = v.handshakes[0]!;
  assert.equal(r.session, first.suite);
  assert.equal(r.requestKey, first.requestKey);
  assert.equal(r.keyid, first.messages.finishResponse.sessionId);
  const rnd = fixedRandom([fromBase64Url(r.nonce)]);
  const signed = signRequest(
    rnd,
    { method: r.method, targetUri: r.url, headers: { 'content-type': r.headers['content-type'] }, body: r.body },
    { keyid: r.keyid, key: fromHex(r.requestKey), created: r.created },
  );
  assert.deepEqual({ 'content-type': r.headers['content-type'], ...signed }, r.headers);
  const member = parseDictionary(r.headers['signature-input'], 'signature-input').get('sig1');
  assert.ok(member && isInnerList(member));
  assert.equal(createSignatureBase({ method: r.method, targetUri: r.url, headers: r.headers }, member), r.signatureBase);

  const seen = new Set<string>();
  const options = {
    now: r.created,
    resolveKey: async (keyid: string) => (keyid === r.keyid ? fromHex(r.requestKey) : undefined),
    rememberNonce: async (keyid: string, nonce: string) => !seen.has(`${keyid}:${nonce}`) && Boolean(seen.add(`${keyid}:${nonce}`)),
  };
  const request = { method: r.method, targetUri: r.url, headers: r.headers, body: r.body };
  const verified = await verifyRequest(p, request, options);
  assert.deepEqual(verified, { keyid: r.keyid, created: r.created, nonce: r.nonce, covered: ['@method', '@target-uri', 'content-digest'] });
  await assert.rejects(verifyRequest(p, request, options), (err) => isTesseraError(err, 'sig.replayed'));
  await assert.rejects(verifyRequest(p, { ...request, body: '{"amount":13}' }, options), (err) => isTesseraError(err, 'sig.digest_mismatch'));
});

// ---- 2. independently, with node:crypto, from the text of docs/protocol.md ----

/** item(x) = u16be(len(x)) ‖ x (docs/protocol.md §2). */
function item(x: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(x.length);
  return Buffer.concat([len, x]);
}
/** transcript = item("tessera/1/" ‖ purpose) ‖ item(field_1) ‖ … (docs/protocol.md §2). */
function specTranscript(purpose: string, fields: Buffer[]): Buffer {
  return Buffer.concat([item(Buffer.from(`tessera/1/${purpose}`, 'utf8')), ...fields.map(item)]);
}
const hkdf = (hash: string, ikm: Buffer, salt: Buffer, info: Buffer | string, length: number) =>
  Buffer.from(hkdfSync(hash, ikm, salt, typeof info === 'string' ? Buffer.from(info, 'utf8') : info, length));
const hmac = (hash: string, key: Buffer, data: Buffer | string) => createHmac(hash, key).update(data).digest();
const digest = (hash: string, data: Buffer) => createHash(hash).update(data).digest();
const EMPTY = Buffer.alloc(0);
const hex = (s: string) => Buffer.from(s, 'hex');

/** The eight handshake fields of docs/protocol.md §4.2, in order. */
function specHandshakeFields(suite: string, offered: string[]): Buffer[] {
  const kid = Buffer.alloc(4);
  kid.writeUInt32BE(inp.kid);
  return [
    Buffer.from(inp.serverId, 'utf8'),
    Buffer.from(inp.terminalId, 'utf8'),
    kid,
    Buffer.from(suite, 'utf8'),
    Buffer.concat(offered.map((s) => item(Buffer.from(s, 'utf8')))),
    hex(inp.nonceT),
    hex(inp.nonceS),
    Buffer.from(inp.challengeId, 'utf8'),
    Buffer.alloc(0), // evidence: empty, the example terminal was registered by hand
  ];
}

/** Session key per docs/protocol.md §3.2. */
function specSessionKey(hash: string, base: Buffer, handshake: Buffer): Buffer {
  const info = specTranscript('session-key', [digest(hash, handshake)]);
  return hkdf(hash, base, Buffer.concat([hex(inp.nonceT), hex(inp.nonceS)]), info, 32);
}

/** serverConfirm per docs/protocol.md §4.9: HMAC-H_s under K_fc = HKDF-H_s(base, "", "tessera/1/finish-confirm") over H_s(T_hs) and the answer; base is K_t, or K_ocra. */
function specFinishConfirm(h: HandshakeVector, hash: string, baseKey: Buffer, handshake: Buffer): void {
  const answer = h.messages.finishResponse;
  const kfc = hkdf(hash, baseKey, EMPTY, 'tessera/1/finish-confirm', 32);
  assert.equal(kfc.toString('hex'), h.finishConfirm.K_fc);
  const caps = Buffer.concat(answer.capabilities.map((c) => item(Buffer.from(c, 'utf8'))));
  const t = specTranscript('finish-confirm', [digest(hash, handshake), Buffer.from(answer.sessionId, 'utf8'), Buffer.from(answer.expiresAt, 'utf8'), caps]);
  assert.equal(t.toString('hex'), h.finishConfirm.transcript);
  assert.equal(hmac(hash, kfc, t).toString('base64url'), answer.serverConfirm);
  assert.equal(answer.serverConfirm, h.finishConfirm.serverConfirm);
}

test('spec: transcript example, suite list and terminal key with node:crypto', () => {
  const ex = v.transcriptExample;
  const fields = ex.fields.map((f) => ('utf8' in f ? Buffer.from(f.utf8, 'utf8') : hex(f.hex)));
  assert.equal(specTranscript(ex.purpose, fields).toString('hex'), ex.hex);
  assert.equal(Buffer.concat(v.suiteListExample.suites.map((s) => item(Buffer.from(s)))).toString('hex'), v.suiteListExample.hex);
  const kt = hkdf('sha256', hex(inp.masterKey), Buffer.from(inp.terminalId, 'utf8'), 'tessera/1/terminal', 32);
  assert.equal(kt.toString('hex'), v.terminalKey);
  assert.equal(kt.toString('base64url'), v.credential['key']);
  assert.equal(hex(inp.challengeIdBytes).toString('base64url'), inp.challengeId);
  for (const h of v.handshakes) assert.equal(h.messages.helloResponse.challengeId, inp.challengeId);
});

for (const h of byFamily('mac')) {
  test(`spec: ${h.suite} proofs and keys recomputed with node:crypto`, () => {
    const hash = { 'hmac-sha256': 'sha256', 'hmac-sm3': 'sm3' }[h.suite];
    assert.ok(hash, `no hash known for ${h.suite}`);
    const kt = hex(v.terminalKey);
    const ks2t = hkdf(hash, kt, EMPTY, 'tessera/1/s2t', 32);
    const kt2s = hkdf(hash, kt, EMPTY, 'tessera/1/t2s', 32);
    assert.equal(ks2t.toString('hex'), h.keys.K_s2t);
    assert.equal(kt2s.toString('hex'), h.keys.K_t2s);
    const fields = specHandshakeFields(h.suite, h.offered);
    const serverT = specTranscript('server-proof', fields);
    const terminalT = specTranscript('terminal-proof', fields);
    const handshakeT = specTranscript('handshake', fields);
    assert.equal(serverT.toString('hex'), h.transcripts['server-proof']);
    assert.equal(terminalT.toString('hex'), h.transcripts['terminal-proof']);
    assert.equal(handshakeT.toString('hex'), h.transcripts.handshake);
    assert.equal(hmac(hash, ks2t, serverT).toString('base64url'), h.serverProof);
    assert.equal(hmac(hash, kt2s, terminalT).toString('base64url'), h.terminalProof);
    assert.equal(h.messages.helloResponse.serverProof, h.serverProof);
    assert.equal(h.messages.finish.terminalProof, h.terminalProof);
    const sessionKey = specSessionKey(hash, kt, handshakeT);
    assert.equal(sessionKey.toString('hex'), h.sessionKey);
    assert.equal(hkdf('sha256', sessionKey, EMPTY, 'tessera/1/http-signature', 32).toString('hex'), h.requestKey);
    specFinishConfirm(h, hash, kt, handshakeT);
    // wire encodings of the hello: base64url without padding
    assert.equal(hex(inp.nonceT).toString('base64url'), h.messages.hello.nonceT);
    assert.equal(hex(inp.nonceS).toString('base64url'), h.messages.helloResponse.nonceS);
  });
}

/** HOTP dynamic truncation (RFC 4226 §5.3) to `digits` decimal digits. */
function truncate(mac: Buffer, digits: number): string {
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

for (const h of byFamily('ocra')) {
  test(`spec: ${h.suite} questions, responses and session key recomputed with node:crypto`, () => {
    // docs/protocol.md §5 restricts the example suite to OCRA-1:HOTP-SHA256-<d>:QH<xx>
    const m = /^OCRA-1:HOTP-SHA256-(\d+):QH(\d\d)$/.exec(h.suite);
    assert.ok(m, 'the independent check knows only QHxx SHA-256 suites');
    const digits = Number(m[1]);
    const qlen = Number(m[2]);
    const ocraKey = hkdf('sha256', hex(v.terminalKey), EMPTY, 'tessera/1/ocra-key', 32);
    assert.equal(ocraKey.toString('hex'), h.keys.ocraKey);
    // H questions: upper-case hex of the nonce, cut to the suite's length
    const qc = hex(inp.nonceT).toString('hex').toUpperCase().slice(0, qlen);
    const qs = hex(inp.nonceS).toString('hex').toUpperCase().slice(0, qlen);
    assert.equal(qc, h.ocra?.clientQuestion);
    assert.equal(qs, h.ocra?.serverQuestion);
    // DataInput = suite ‖ 0x00 ‖ Q (128 bytes: hex digits, right-padded with zero bytes)
    const dataInput = (question: string) => {
      const q = Buffer.alloc(128);
      Buffer.from(question.length % 2 ? `${question}0` : question, 'hex').copy(q);
      return Buffer.concat([Buffer.from(h.suite, 'ascii'), Buffer.from([0]), q]);
    };
    // RFC 6287 §7.3: server over QC ‖ QS, terminal over QS ‖ QC
    const serverInput = dataInput(qc + qs);
    const terminalInput = dataInput(qs + qc);
    assert.equal(serverInput.toString('hex'), h.ocra?.serverDataInput);
    assert.equal(terminalInput.toString('hex'), h.ocra?.terminalDataInput);
    assert.equal(truncate(hmac('sha256', ocraKey, serverInput), digits), h.serverProof);
    assert.equal(truncate(hmac('sha256', ocraKey, terminalInput), digits), h.terminalProof);
    const handshakeT = specTranscript('handshake', specHandshakeFields(h.suite, h.offered));
    assert.equal(handshakeT.toString('hex'), h.transcripts.handshake);
    const sessionKey = specSessionKey('sha256', ocraKey, handshakeT);
    assert.equal(sessionKey.toString('hex'), h.sessionKey);
    assert.equal(hkdf('sha256', sessionKey, EMPTY, 'tessera/1/http-signature', 32).toString('hex'), h.requestKey);
    specFinishConfirm(h, 'sha256', ocraKey, handshakeT);
  });
}

for (const q of v.ocraQuestions) {
  test(`spec: ${q.suite} questions and responses recomputed with node:crypto`, () => {
    const m = /^OCRA-1:HOTP-SHA256-(\d+):Q([NA])(\d\d)$/.exec(q.suite);
    assert.ok(m, 'the independent check knows only QNxx and QAxx SHA-256 suites here');
    const digits = Number(m[1]);
    const format = m[2]!;
    const qlen = Number(m[3]);
    const ocraKey = hkdf('sha256', hex(v.terminalKey), EMPTY, 'tessera/1/ocra-key', 32);
    assert.equal(ocraKey.toString('hex'), q.ocraKey);
    // §5.3: N = the whole nonce as a big-endian integer mod 10^xx, zero-padded; A = ALPHABET[nonce[i] mod 36]
    const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const question = (nonce: Buffer) =>
      format === 'N'
        ? (BigInt(`0x${nonce.toString('hex')}`) % 10n ** BigInt(qlen)).toString().padStart(qlen, '0')
        : [...nonce.subarray(0, qlen)].map((b) => ALPHABET[b % 36]).join('');
    const qc = question(hex(inp.nonceT));
    const qs = question(hex(inp.nonceS));
    assert.equal(qc, q.clientQuestion);
    assert.equal(qs, q.serverQuestion);
    // §5.4: N = the decimal string as one number in upper-case hex (odd count: a trailing 0), A = ASCII; right-padded to 128 bytes
    const dataInput = (text: string) => {
      const field = Buffer.alloc(128);
      if (format === 'N') {
        const digitsHex = BigInt(text).toString(16).toUpperCase();
        Buffer.from(digitsHex.length % 2 ? `${digitsHex}0` : digitsHex, 'hex').copy(field);
      } else {
        Buffer.from(text, 'ascii').copy(field);
      }
      return Buffer.concat([Buffer.from(q.suite, 'ascii'), Buffer.from([0]), field]);
    };
    const serverInput = dataInput(qc + qs);
    const terminalInput = dataInput(qs + qc);
    assert.equal(serverInput.toString('hex'), q.serverDataInput);
    assert.equal(terminalInput.toString('hex'), q.terminalDataInput);
    assert.equal(truncate(hmac('sha256', ocraKey, serverInput), digits), q.serverProof);
    assert.equal(truncate(hmac('sha256', ocraKey, terminalInput), digits), q.terminalProof);
  });
}

test('spec: the signed request recomputed with node:crypto (RFC 9421 base, RFC 9530 digest)', () => {
  const r = v.signedRequest;
  const contentDigest = `sha-256=:${digest('sha256', Buffer.from(r.body, 'utf8')).toString('base64')}:`;
  assert.equal(r.headers['content-digest'], contentDigest);
  const params = `("@method" "@target-uri" "content-digest");created=${r.created};keyid="${r.keyid}";nonce="${r.nonce}";alg="hmac-sha256";tag="tessera/1/request"`;
  assert.equal(r.headers['signature-input'], `sig1=${params}`);
  const base = [`"@method": ${r.method}`, `"@target-uri": ${r.url}`, `"content-digest": ${contentDigest}`, `"@signature-params": ${params}`].join('\n');
  assert.equal(r.signatureBase, base);
  const signature = hmac('sha256', hex(r.requestKey), Buffer.from(base, 'utf8'));
  assert.equal(signature.toString('hex'), r.signature);
  assert.equal(r.headers.signature, `sig1=:${signature.toString('base64')}:`);
  assert.equal(Buffer.from(r.nonce, 'base64url').length, 16);
});

// ---- 3. the document quotes only values that are in the vector file ----

/** Every string and number in the vector file. */
function leaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number') out.push(String(value));
  else if (Array.isArray(value)) for (const x of value) leaves(x, out);
  else if (value !== null && typeof value === 'object') for (const x of Object.values(value)) leaves(x, out);
  return out;
}

test('docs/protocol.md: every value in a ```vector block is in the vector file', () => {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const blocks = [...doc.matchAll(/^```vector[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  assert.ok(blocks.length >= 6, `expected the worked example's vector blocks, found ${blocks.length}`);
  const corpus = leaves(v).join('\n');
  const tokens = blocks.flatMap((b) => b.match(/[A-Za-z0-9_\-+/=]{16,}/g) ?? []);
  assert.ok(tokens.length >= 40, `expected many quoted values, found ${tokens.length}`);
  const missing = tokens.filter((t) => !corpus.includes(t));
  assert.deepEqual(missing, [], 'values quoted in docs/protocol.md that the vector file does not contain');
  // the key results of the worked example must be quoted, so the document cannot drop them
  const quoted = blocks.join('\n');
  const first = v.handshakes[0]!;
  for (const value of [
    v.inputs.masterKey,
    v.terminalKey,
    first.keys.K_s2t!,
    first.keys.K_t2s!,
    first.serverProof,
    first.terminalProof,
    first.sessionKey,
    first.requestKey,
    v.handshakes[2]!.serverProof,
    v.handshakes[2]!.terminalProof,
    first.finishConfirm.K_fc,
    first.finishConfirm.transcript,
    ...v.handshakes.map((h) => h.finishConfirm.serverConfirm),
    ...v.ocraQuestions.flatMap((q) => [q.clientQuestion, q.serverQuestion, q.serverProof, q.terminalProof]),
    v.signedRequest.headers.signature,
    v.transcriptExample.hex,
  ]) {
    assert.ok(quoted.includes(value), `docs/protocol.md does not quote ${value}`);
  }
});
