// Tampering with the handshake in transit: a man in the middle who edits the offered suite
// list (downgrade), a terminal outside its suite policy, and fast-check properties that flip
// one byte or character of the hello request's terminal id, kid, nonce or offered suite (as the server sees
// it), of any field of the hello answer (as the terminal sees it), of the finish request (as
// the server sees it) or of the finish answer (as TerminalClient sees it). Nothing tampered
// yields a session the terminal uses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { fromBase64Url, toBase64Url } from '../../src/protocol/bytes.ts';
import type { TerminalCredential } from '../../src/protocol/credential.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { checkServerConfirm } from '../../src/protocol/handshake/finishConfirmation.ts';
import { type FinishRequest, type HelloRequest, type HelloResponse, parseFinishResponse, parseHelloResponse } from '../../src/protocol/handshake/messages.ts';
import { getHandshakeSuite } from '../../src/protocol/handshake/suites.ts';
import { answerChallenge, beginHandshake, type PendingHandshake, terminalContext } from '../../src/protocol/handshake/terminalHandshake.ts';
import { deriveRequestKey } from '../../src/protocol/keys.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import type { FetchLike } from '../../src/terminal/httpTransport.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import {
  assertProblem,
  BACKENDS,
  challengeFor,
  failureReasons,
  identityOf,
  postJson,
  send,
  sendFinish,
  sendHello,
  sendSigned,
  sessionsCreated,
  signed,
} from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const OCRA = 'OCRA-1:HOTP-SHA256-8:QH64';
const OCRA_WEAK = 'OCRA-1:HOTP-SHA1-6:QH32';
const NUM_RUNS = 50;

/** A one-character or one-bit change of a field value; never the identity. */
interface Flip {
  mode: 'bit' | 'char';
  index: number;
  bit: number;
  replacement: string;
}

const REPLACEMENTS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', '=', '+', '/', '.', ' ', '"', 'é', '\u0000', '\u{1F600}'];
const flipArb: fc.Arbitrary<Flip> = fc.record({
  mode: fc.constantFrom('bit' as const, 'char' as const),
  index: fc.nat(),
  bit: fc.integer({ min: 0, max: 7 }),
  replacement: fc.constantFrom(...REPLACEMENTS),
});

function canonicalBytes(value: string): Uint8Array | undefined {
  try {
    const bytes = fromBase64Url(value);
    return bytes.length > 0 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/** Applies a flip: one bit of the decoded bytes (well-formed, canonical result) or one character. */
function applyFlip(value: string, flip: Flip, binary: boolean): string {
  const bytes = binary ? canonicalBytes(value) : undefined;
  if (flip.mode === 'bit' && bytes) {
    const out = bytes.slice();
    out[flip.index % out.length]! ^= 1 << flip.bit;
    return toBase64Url(out);
  }
  const chars = [...value];
  const i = flip.index % chars.length;
  chars[i] = chars[i] === flip.replacement ? (flip.replacement === 'A' ? 'B' : 'A') : flip.replacement;
  return chars.join('');
}

/** Flips one bit of one character's code (a raw edit: may give a control or non-ASCII character). */
function flipCharBit(value: string, flip: Flip): string {
  const chars = [...value];
  const i = flip.index % chars.length;
  chars[i] = String.fromCodePoint(chars[i]!.codePointAt(0)! ^ (1 << flip.bit));
  return chars.join('');
}

/**
 * The hello as a man in the middle forwards it: one field's value edited inside the JSON text
 * (so the result may not even be JSON). `bit` flips a bit of the kid, of the nonce's decoded
 * bytes or of a terminal-id character; `char` puts a character into the text as it is.
 */
function tamperHello(hello: HelloRequest, field: 'terminalId' | 'kid' | 'nonceT' | 'suites', flip: Flip): string {
  const text = JSON.stringify(hello);
  // for `suites`, the first suite name of the list
  const value = field === 'kid' ? String(hello.kid) : field === 'suites' ? hello.suites[0]! : hello[field];
  const start = text.indexOf(`"${field}":`) + field.length + 3 + (field === 'kid' ? 0 : field === 'suites' ? 2 : 1);
  assert.equal(text.slice(start, start + value.length), value);
  let changed: string;
  if (flip.mode === 'char') changed = applyFlip(value, flip, false);
  else if (field === 'kid') changed = String((hello.kid ^ (1 << (flip.index % 32))) >>> 0);
  else if (field === 'nonceT') changed = applyFlip(value, flip, true);
  else changed = flipCharBit(value, flip);
  assert.notEqual(changed, value);
  return text.slice(0, start) + changed + text.slice(start + value.length);
}

/** The finish a terminal would send over its own view of the handshake (for "answered anyway" checks). */
function honestFinish(pending: PendingHandshake, challenge: HelloResponse): FinishRequest {
  const suite = getHandshakeSuite(challenge.suite)!;
  return { challengeId: challenge.challengeId, terminalProof: suite.terminalProof(p, pending.identity.key, terminalContext(pending, challenge)) };
}

/** A fetch that hands every 200 finish answer to `tamper` (bytes in, bytes out) before the client reads it. */
function finishTamperingFetch(tamper: (body: Uint8Array) => Uint8Array): FetchLike {
  return async (input, init) => {
    const res = await fetch(input, init as RequestInit);
    if (!input.endsWith('/v1/auth/finish') || res.status !== 200) return res;
    const body = tamper(new Uint8Array(await res.arrayBuffer()));
    return new Response(body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' } });
  };
}

/** The finish-answer members a flip may hit; `body` is one bit of any byte of the raw JSON text. */
const FINISH_ANSWER_TARGETS = ['body', 'sessionId', 'expiresAt', 'capabilities', 'serverConfirm'] as const;

/** Applies one flip to a finish answer's bytes: raw, or to one member's value (re-serialized). */
function tamperFinishAnswer(body: Uint8Array, target: (typeof FINISH_ANSWER_TARGETS)[number], flip: Flip, pick: number): Uint8Array {
  if (target === 'body') {
    const out = body.slice();
    out[flip.index % out.length]! ^= 1 << flip.bit;
    return out;
  }
  const json = JSON.parse(new TextDecoder().decode(body));
  if (target === 'capabilities') {
    const i = pick % json.capabilities.length;
    json.capabilities[i] = applyFlip(json.capabilities[i], flip, false);
  } else {
    json[target] = applyFlip(json[target], flip, target === 'sessionId' || target === 'serverConfirm');
  }
  return new TextEncoder().encode(JSON.stringify(json));
}

const clientFor = (credential: TerminalCredential, url: string, fetchFn?: FetchLike) =>
  new TerminalClient({ credential, primitives: p, url, ...(fetchFn ? { fetch: fetchFn } : {}) });

for (const { backend, skip } of BACKENDS) {
  describe(`handshake tampering over HTTP (${backend})`, () => {
    let server: TestServer;
    let url: string;
    before(async () => {
      if (skip) return;
      server = await startTestServer({ backend, env: { TESSERA_SUITES: ['hmac-sha256', 'hmac-sm3', OCRA, OCRA_WEAK].join(',') } });
      url = server.url;
    });
    after(() => server?.close());

    test('downgrade: hmac-sha256 removed from the offered list is caught by the terminal and by the server', { skip }, async () => {
      const credential = await server.addTerminal(`T-downgrade-${backend}`, ['hmac-sha256', 'hmac-sm3']);
      const sessionsBefore = await sessionsCreated(server.admin);
      const { hello, pending } = beginHandshake(p, identityOf(credential), ['hmac-sha256', 'hmac-sm3']);
      // the man in the middle forwards the hello without the suite it wants to avoid
      const answer = await postJson(url, '/v1/auth/hello', { ...hello, suites: ['hmac-sm3'] });
      assert.equal(answer.status, 200);
      const challenge = parseHelloResponse(answer.json);
      assert.equal(challenge.suite, 'hmac-sm3', 'the server picked what it was offered');
      assert.throws(() => answerChallenge(p, pending, challenge), (err) => isTesseraError(err, 'auth.server_not_genuine'));
      // a terminal that answered anyway, over the list it really offered, is refused by the server
      assertProblem(await sendFinish(url, honestFinish(pending, challenge)), 401, 'auth.refused');
      assert.equal((await sessionsCreated(server.admin)) - sessionsBefore, 0);
      assert.equal((await failureReasons(server.admin, credential.terminalId))[0], 'bad_proof');
    });

    test('downgrade: a reordered list, or a suite rewritten in the answer, is caught by the terminal', { skip }, async () => {
      const credential = await server.addTerminal(`T-reorder-${backend}`, ['hmac-sha256', 'hmac-sm3']);
      const reordered = beginHandshake(p, identityOf(credential), ['hmac-sha256', 'hmac-sm3']);
      const answer = await postJson(url, '/v1/auth/hello', { ...reordered.hello, suites: ['hmac-sm3', 'hmac-sha256'] });
      assert.equal(answer.status, 200);
      assert.throws(() => answerChallenge(p, reordered.pending, parseHelloResponse(answer.json)), (err) => isTesseraError(err, 'auth.server_not_genuine'));

      const genuine = await sendHello(url, credential);
      assert.equal(genuine.challenge!.suite, 'hmac-sha256');
      const rewritten: HelloResponse = { ...genuine.challenge!, suite: 'hmac-sm3' };
      assert.throws(() => answerChallenge(p, genuine.pending, rewritten), (err) => isTesseraError(err, 'auth.server_not_genuine'));
    });

    test('downgrade: the MAC suites removed so the server picks OCRA is caught by the terminal', { skip }, async () => {
      const credential = await server.addTerminal(`T-to-ocra-${backend}`, ['hmac-sha256', OCRA]);
      const { hello, pending } = beginHandshake(p, identityOf(credential), ['hmac-sha256', OCRA]);
      const answer = await postJson(url, '/v1/auth/hello', { ...hello, suites: [OCRA] });
      assert.equal(answer.status, 200);
      assert.equal(answer.json.suite, OCRA);
      assert.throws(() => answerChallenge(p, pending, parseHelloResponse(answer.json)), (err) => isTesseraError(err, 'auth.server_not_genuine'));
    });

    test('OCRA family: R_S cannot cover the offered list (RFC 6287), but the session key does: the terminal refuses the finish answer and the session is unusable', { skip }, async () => {
      // Known limit: between two OCRA suites only the session key notices the edit.
      const credential = await server.addTerminal(`T-ocra-ocra-${backend}`, [OCRA, OCRA_WEAK]);
      const { hello, pending } = beginHandshake(p, identityOf(credential), [OCRA, OCRA_WEAK]);
      const answer = await postJson(url, '/v1/auth/hello', { ...hello, suites: [OCRA_WEAK] });
      assert.equal(answer.json.suite, OCRA_WEAK);
      const { finish, sessionKey, confirmKey } = answerChallenge(p, pending, parseHelloResponse(answer.json));
      const done = await sendFinish(url, finish);
      assert.equal(done.status, 200);
      assert.throws(() => checkServerConfirm(p, confirmKey, parseFinishResponse(done.json)), (err) => isTesseraError(err, 'auth.server_not_genuine'));
      const request = signed(url, { sessionId: done.json.sessionId, requestKey: deriveRequestKey(p, sessionKey) }, 'GET', '/v1/session');
      assertProblem(await sendSigned(request), 401, 'sig.invalid');
    });

    test('a terminal allowed only hmac-sm3 that logs in with hmac-sha256 is refused at finish', { skip }, async () => {
      const credential = await server.addTerminal(`T-sm3-only-${backend}`, ['hmac-sm3']);
      const sessionsBefore = await sessionsCreated(server.admin);
      const { challenge, finish } = await challengeFor(url, credential, ['hmac-sha256']);
      assert.equal(challenge.suite, 'hmac-sha256', 'hello reveals nothing about the policy');
      assertProblem(await sendFinish(url, finish), 401, 'auth.refused');
      assert.equal((await sessionsCreated(server.admin)) - sessionsBefore, 0);
      assert.equal((await failureReasons(server.admin, credential.terminalId))[0], 'suite_not_allowed');
      // the same terminal within its policy logs in
      const allowed = await challengeFor(url, credential, ['hmac-sm3']);
      assert.equal((await sendFinish(url, allowed.finish)).status, 200);
    });

    for (const suiteName of ['hmac-sha256', 'hmac-sm3', OCRA]) {
      const mac = getHandshakeSuite(suiteName)!.family === 'mac';
      test(`property (${suiteName}): any flipped byte or character of the hello answer is refused${mac ? ' by the terminal' : ''}`, { skip }, async () => {
        const credential = await server.addTerminal(`T-flip-hello-${suiteName.replace(/[^a-z0-9]/gi, '')}-${backend}`, [suiteName]);
        const sessionsBefore = await sessionsCreated(server.admin);
        let finishedByServer = 0;
        // expiresAt is advisory (the server enforces its own clock) and not covered by the proof
        const fields = ['challengeId', 'suite', 'nonceS', 'serverProof'] as const;
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...fields), flipArb, async (field, flip) => {
            const { pending, answer } = await sendHello(url, credential);
            assert.equal(answer.status, 200);
            const seen = { ...answer.json, [field]: applyFlip(answer.json[field], flip, field !== 'suite' && (mac || field !== 'serverProof')) };
            assert.notEqual(seen[field], answer.json[field]);
            let finish: { challengeId: string; terminalProof: string };
            try {
              finish = answerChallenge(p, pending, parseHelloResponse(seen)).finish;
            } catch (err) {
              assert.ok(isTesseraError(err, 'auth.server_not_genuine') || isTesseraError(err, 'client.bad_response'), String(err));
              return;
            }
            // only an OCRA proof leaves the challenge id uncovered; the server then refuses the finish
            assert.ok(!mac && field === 'challengeId', `the terminal accepted a flipped ${field}`);
            finishedByServer++;
            assertProblem(await sendFinish(url, finish), 401, 'auth.challenge_expired');
          }),
          { numRuns: NUM_RUNS },
        );
        if (mac) assert.equal(finishedByServer, 0);
        assert.equal((await sessionsCreated(server.admin)) - sessionsBefore, 0);
      });
    }

    test('property: any flipped byte or character of the finish request is refused by the server', { skip }, async () => {
      const credential = await server.addTerminal(`T-flip-finish-${backend}`);
      const sessionsBefore = await sessionsCreated(server.admin);
      let genuineAfterwards = 0;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('challengeId' as const, 'terminalProof' as const), flipArb, async (field, flip) => {
          const { finish } = await challengeFor(url, credential);
          const sent = { ...finish, [field]: applyFlip(finish[field], flip, true) };
          assert.notEqual(sent[field], finish[field]);
          const answer = await sendFinish(url, sent);
          if (field === 'challengeId') {
            assertProblem(answer, 401, 'auth.challenge_expired', `flipped challengeId ${JSON.stringify(sent.challengeId)}`);
            // the real challenge was not touched: the genuine finish still works
            assert.equal((await sendFinish(url, finish)).status, 200);
            genuineAfterwards++;
          } else {
            assertProblem(answer, 401, 'auth.refused', `flipped terminalProof ${JSON.stringify(sent.terminalProof)}`);
            assertProblem(await sendFinish(url, finish), 401, 'auth.challenge_expired', 'a refused proof uses the challenge up');
          }
        }),
        { numRuns: NUM_RUNS },
      );
      assert.equal((await sessionsCreated(server.admin)) - sessionsBefore, genuineAfterwards);
    });

    for (const suiteName of ['hmac-sha256', 'hmac-sm3', OCRA]) {
      test(`property (${suiteName}): any flipped byte of the hello request's terminalId, kid, nonceT or offered suite is refused by the server or the terminal`, { skip }, async () => {
        const credential = await server.addTerminal(`T-flip-req-${suiteName.replace(/[^a-z0-9]/gi, '')}-${backend}`, [suiteName]);
        const sessionsBefore = await sessionsCreated(server.admin);
        await fc.assert(
          fc.asyncProperty(fc.constantFrom('terminalId' as const, 'kid' as const, 'nonceT' as const, 'suites' as const), flipArb, async (field, flip) => {
            const { hello, pending } = beginHandshake(p, identityOf(credential), [suiteName]);
            const body = tamperHello(hello, field, flip);
            const answer = await send(`${url}/v1/auth/hello`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
            if (answer.status !== 200) {
              // the server refuses what no longer parses or fits the schema, or offers no suite it allows
              assert.equal(answer.status, 400, `${field} ${body}: ${answer.text}`);
              assert.match(answer.json?.code ?? '', field === 'suites' ? /^(input\.|auth\.suite_unsupported$)/ : /^input\./, `${field} ${body}: ${answer.text}`);
              return;
            }
            // the server answered the hello it received; its proof is not over the terminal's view
            assert.throws(() => answerChallenge(p, pending, parseHelloResponse(answer.json)), (err) => isTesseraError(err, 'auth.server_not_genuine'), `${field} ${body}`);
            // and a terminal that finished anyway, over what it sent, is refused
            assertProblem(await sendFinish(url, honestFinish(pending, parseHelloResponse(answer.json))), 401, 'auth.refused', `${field} ${body}`);
          }),
          { numRuns: NUM_RUNS },
        );
        assert.equal((await sessionsCreated(server.admin)) - sessionsBefore, 0);
      });

      test(`property (${suiteName}): any flipped byte or character of the finish answer is refused by TerminalClient`, { skip }, async () => {
        const credential = await server.addTerminal(`T-flip-done-${suiteName.replace(/[^a-z0-9]/gi, '')}-${backend}`, [suiteName]);
        // untouched, the same client path logs in
        assert.ok((await clientFor(credential, url).login()).sessionId);
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...FINISH_ANSWER_TARGETS), flipArb, fc.nat(), async (target, flip, pick) => {
            let original = '';
            let tampered = '';
            const client = clientFor(
              credential,
              url,
              finishTamperingFetch((body) => {
                const out = tamperFinishAnswer(body, target, flip, pick);
                original = new TextDecoder().decode(body);
                tampered = new TextDecoder().decode(out);
                return out;
              }),
            );
            await assert.rejects(client.login(), (err) => isTesseraError(err, 'auth.server_not_genuine') || isTesseraError(err, 'client.bad_response'));
            assert.notEqual(tampered, original, 'the flip changed the answer');
            assert.equal(client.session, undefined, `the client kept a session from ${tampered}`);
          }),
          { numRuns: NUM_RUNS },
        );
      });
    }

    test('the finish answer: stripped, rewritten capabilities or expiry, or another handshake\'s answer, are refused by TerminalClient', { skip }, async () => {
      const credential = await server.addTerminal(`T-done-mitm-${backend}`, ['hmac-sha256']);
      const rewrite = (edit: (json: Record<string, unknown>) => void): FetchLike =>
        finishTamperingFetch((body) => {
          const json = JSON.parse(new TextDecoder().decode(body));
          edit(json);
          return new TextEncoder().encode(JSON.stringify(json));
        });
      const edits: [string, (json: Record<string, unknown>) => void][] = [
        ['serverConfirm removed', (j) => delete j['serverConfirm']],
        ['activate added', (j) => (j['capabilities'] as string[]).push('activate')],
        ['capabilities emptied', (j) => (j['capabilities'] = [])],
        ['expiry extended by a day', (j) => (j['expiresAt'] = new Date(Date.parse(j['expiresAt'] as string) + 86_400_000).toISOString())],
        ['session id swapped', (j) => (j['sessionId'] = toBase64Url(p.randomBytes(16)))],
      ];
      for (const [what, edit] of edits) {
        const client = clientFor(credential, url, rewrite(edit));
        await assert.rejects(client.login(), (err) => isTesseraError(err, 'auth.server_not_genuine'), what);
        assert.equal(client.session, undefined, what);
      }
      // a genuine answer of another handshake of the same terminal, replayed into this one
      const other = await challengeFor(url, credential);
      const otherAnswer = await sendFinish(url, other.finish);
      assert.equal(otherAnswer.status, 200);
      const replaying = clientFor(credential, url, finishTamperingFetch(() => new TextEncoder().encode(otherAnswer.text)));
      await assert.rejects(replaying.login(), (err) => isTesseraError(err, 'auth.server_not_genuine'));
      assert.equal(replaying.session, undefined);
      // the untouched path still works
      assert.ok((await clientFor(credential, url).login()).sessionId);
    });
  });
}
