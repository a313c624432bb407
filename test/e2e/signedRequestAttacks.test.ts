// Attacks on RFC 9421 signed requests over real HTTP, with a session key obtained by running
// the handshake's pure steps by hand: replay, stale or future `created` (injected clock),
// altered body, path, query, method or authority, missing or partial signatures, unknown,
// expired and foreign sessions, and a fast-check property over the three signature headers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import { createContentDigest } from '../../src/protocol/httpsig/contentDigest.ts';
import type { SignRequestOptions } from '../../src/protocol/httpsig/signRequest.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import {
  type Answer,
  assertProblem,
  BACKENDS,
  handshake,
  manualClock,
  send,
  sendRaw,
  sendSigned,
  signed,
  type TestSession,
} from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const SKEW_S = 30;
const SESSION_TTL_S = 900;

for (const { backend, skip } of BACKENDS) {
  describe(`signed request attacks over HTTP (${backend})`, () => {
    const clock = manualClock();
    let server: TestServer;
    let url: string;
    let counter = 0;
    before(async () => {
      if (skip) return;
      server = await startTestServer({ backend, now: clock.now });
      url = server.url;
    });
    after(() => server?.close());

    async function newSession(): Promise<TestSession> {
      return handshake(url, await server.addTerminal(`T-sig-${backend}-${++counter}`));
    }
    const sign = (session: TestSession, method: string, path: string, options: Parameters<typeof signed>[4] = {}) =>
      signed(url, session, method, path, { created: clock.seconds(), ...options });

    test('a genuine signed GET and POST are served', { skip }, async () => {
      const session = await newSession();
      const get = await sendSigned(sign(session, 'GET', '/v1/session'));
      assert.equal(get.status, 200);
      assert.equal(get.json.sessionId, session.sessionId);
      const post = await sendSigned(sign(session, 'POST', '/v1/session/echo', { body: { amount: 12 } }));
      assert.equal(post.status, 200);
      assert.deepEqual(post.json.body, { amount: 12 });
    });

    test('the same signed request sent again is refused (sig.replayed)', { skip }, async () => {
      const session = await newSession();
      const request = sign(session, 'POST', '/v1/session/echo', { body: { pay: 10 } });
      assert.equal((await sendSigned(request)).status, 200);
      assertProblem(await sendSigned(request), 401, 'sig.replayed');
      assertProblem(await sendSigned(request), 401, 'sig.replayed');
    });

    test('a stale or future created is refused (sig.stale), the window edge is accepted', { skip }, async () => {
      const session = await newSession();
      const old = sign(session, 'GET', '/v1/session');
      const future = sign(session, 'GET', '/v1/session', { created: clock.seconds() + SKEW_S + 1 });
      assertProblem(await sendSigned(future), 401, 'sig.stale', 'created in the future');
      const edge = sign(session, 'GET', '/v1/session');
      clock.advance(SKEW_S * 1000);
      assert.equal((await sendSigned(edge)).status, 200, `created exactly ${SKEW_S} s ago`);
      clock.advance(1000);
      assertProblem(await sendSigned(old), 401, 'sig.stale', `created ${SKEW_S + 1} s ago`);
    });

    test('a replay outside the created window is refused as stale, remembered nonce or not', { skip }, async () => {
      const session = await newSession();
      const request = sign(session, 'GET', '/v1/session');
      assert.equal((await sendSigned(request)).status, 200);
      clock.advance((2 * SKEW_S + 1) * 1000);
      assertProblem(await sendSigned(request), 401, 'sig.stale');
    });

    test('a changed body is refused: sig.digest_mismatch with the old digest, sig.invalid with a new one', { skip }, async () => {
      const session = await newSession();
      const request = sign(session, 'POST', '/v1/session/echo', { body: { pay: 10 } });
      const tampered = JSON.stringify({ pay: 1000 });
      assertProblem(await sendSigned({ ...request, body: tampered }), 401, 'sig.digest_mismatch', 'old digest');
      const redigested = { ...request, body: tampered, headers: { ...request.headers, 'content-digest': createContentDigest(p, tampered) } };
      assertProblem(await sendSigned(redigested), 401, 'sig.invalid', 'recomputed digest');
      assertProblem(await sendSigned({ ...request, body: `${request.body} ` }), 401, 'sig.digest_mismatch', 'one trailing space');
      const { 'content-type': _ct, ...noType } = request.headers;
      assertProblem(await sendSigned({ ...request, headers: noType, body: undefined }), 401, 'sig.digest_mismatch', 'body removed');
      const { 'content-digest': _cd, ...noDigest } = request.headers;
      assertProblem(await sendSigned({ ...request, headers: noDigest }), 401, 'sig.invalid', 'content-digest header removed');
      // none of the refusals used the nonce up: the genuine request still goes through once
      assert.equal((await sendSigned(request)).status, 200);
      assertProblem(await sendSigned(request), 401, 'sig.replayed');
    });

    test('a changed path, query, method or authority is refused (sig.invalid)', { skip }, async () => {
      const session = await newSession();
      const cases: [string, () => Promise<Answer>][] = [
        ['path', () => { const r = sign(session, 'GET', '/v1/sessions'); return sendSigned({ ...r, url: `${url}/v1/session` }); }],
        ['percent-encoded path', () => { const r = sign(session, 'POST', '/v1/session/echo', { body: { a: 1 } }); return sendSigned({ ...r, url: `${url}/v1/session/%65cho` }); }],
        ['query changed', () => { const r = sign(session, 'GET', '/v1/session?page=1'); return sendSigned({ ...r, url: `${url}/v1/session?page=2` }); }],
        ['query added', () => { const r = sign(session, 'GET', '/v1/session'); return sendSigned({ ...r, url: `${url}/v1/session?admin=1` }); }],
        ['query removed', () => { const r = sign(session, 'GET', '/v1/session?page=1'); return sendSigned({ ...r, url: `${url}/v1/session` }); }],
        ['method POST→GET', () => { const r = sign(session, 'POST', '/v1/session'); return sendSigned({ ...r, method: 'GET' }); }],
        ['method PUT→POST', () => { const r = sign(session, 'PUT', '/v1/session/echo', { body: { a: 1 } }); return sendSigned({ ...r, method: 'POST' }); }],
        ['authority', () => sendRaw(sign(session, 'GET', '/v1/session'), { host: 'tessera.example' })],
      ];
      for (const [name, attempt] of cases) assertProblem(await attempt(), 401, 'sig.invalid', name);
    });

    test('missing or partial signature headers are refused (sig.missing)', { skip }, async () => {
      const session = await newSession();
      const r = sign(session, 'GET', '/v1/session');
      const { signature, 'signature-input': input, ...rest } = r.headers;
      assertProblem(await send(r.url, { headers: {} }), 401, 'sig.missing', 'no headers');
      assertProblem(await send(r.url, { headers: { ...rest, 'signature-input': input! } }), 401, 'sig.missing', 'no Signature');
      assertProblem(await send(r.url, { headers: { ...rest, signature: signature! } }), 401, 'sig.missing', 'no Signature-Input');
      const relabelled = { ...rest, 'signature-input': input!.replace(/^sig1=/, 'sig2='), signature: signature!.replace(/^sig1=/, 'sig2=') };
      assertProblem(await send(r.url, { headers: relabelled }), 401, 'sig.missing', 'another label');
      assertProblem(await send(r.url, { headers: { ...rest, 'signature-input': 'sig1=(', signature: signature! } }), 401, 'sig.missing', 'unparseable Signature-Input');
      assertProblem(await send(`${url}/v1/session/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1]' }), 401, 'sig.missing', 'unsigned body failing the schema');
    });

    test('weakened signature parameters are refused (sig.invalid)', { skip }, async () => {
      const session = await newSession();
      const cases: [string, Partial<SignRequestOptions>][] = [
        ['content-digest not covered', { components: ['@method', '@target-uri'] }],
        ['@target-uri not covered', { components: ['@method', 'content-digest'] }],
        ['no alg', { alg: null }],
        ['no tag', { tag: null }],
        ['another tag', { tag: 'tessera/1/other' }],
        ['no nonce', { nonce: null }],
        ['short nonce', { nonce: 'AAAA' }],
      ];
      for (const [name, options] of cases) assertProblem(await sendSigned(sign(session, 'GET', '/v1/session', { sign: options })), 401, 'sig.invalid', name);
    });

    test('an unknown session is refused (auth.session_invalid); a foreign key under a real session id is sig.invalid', { skip }, async () => {
      const mine = await newSession();
      const other = await newSession();
      const invented = { sessionId: toBase64Url(p.randomBytes(16)), requestKey: p.randomBytes(32) };
      assertProblem(await sendSigned(sign(invented, 'GET', '/v1/session')), 401, 'auth.session_invalid', 'invented id');
      assertProblem(await sendSigned(sign({ ...invented, sessionId: 'not-a-session' }, 'GET', '/v1/session')), 401, 'auth.session_invalid', 'malformed id');
      assertProblem(await sendSigned(sign({ sessionId: other.sessionId, requestKey: mine.requestKey }, 'GET', '/v1/session')), 401, 'sig.invalid', "another session's id with my key");
      // a request signed for one session, relabelled with another session id: the keyid is signed
      const r = sign(mine, 'GET', '/v1/session');
      const swapped = { ...r, headers: { ...r.headers, 'signature-input': r.headers['signature-input']!.replace(mine.sessionId, other.sessionId) } };
      assertProblem(await sendSigned(swapped), 401, 'sig.invalid', 'keyid swapped');
    });

    test("a revoked terminal's live session is refused (auth.session_invalid)", { skip }, async () => {
      const credential = await server.addTerminal(`T-sig-revoked-${backend}`);
      const session = await handshake(url, credential);
      assert.equal((await sendSigned(sign(session, 'GET', '/v1/session'))).status, 200);
      assert.equal((await server.admin('POST', `/v1/admin/terminals/${credential.terminalId}/revoke`)).status, 200);
      assertProblem(await sendSigned(sign(session, 'GET', '/v1/session')), 401, 'auth.session_invalid');
    });

    test('property: any flipped character of Signature-Input, Signature or Content-Digest is refused and burns no nonce', { skip }, async () => {
      const session = await newSession();
      const request = sign(session, 'POST', '/v1/session/echo', { body: { pay: 1 } });
      const printable = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('signature-input', 'signature', 'content-digest'), fc.nat(), printable, async (name, index, replacement) => {
          const value = request.headers[name]!;
          const i = index % value.length;
          fc.pre(value[i] !== replacement);
          const flipped = value.slice(0, i) + replacement + value.slice(i + 1);
          const answer = await sendSigned({ ...request, headers: { ...request.headers, [name]: flipped } });
          assert.equal(answer.status, 401, `${name} ${JSON.stringify(flipped)} → ${answer.text}`);
          assert.match(answer.json.code, /^(sig\.(missing|invalid|stale|digest_mismatch)|auth\.session_invalid)$/, `${name} ${JSON.stringify(flipped)}`);
        }),
        { numRuns: 100 },
      );
      assert.equal((await sendSigned(request)).status, 200, 'the genuine request still goes through');
    });

    test('a session past its lifetime is refused (auth.session_invalid)', { skip }, async () => {
      const session = await newSession();
      assert.equal((await sendSigned(sign(session, 'GET', '/v1/session'))).status, 200);
      clock.advance(SESSION_TTL_S * 1000);
      assertProblem(await sendSigned(sign(session, 'GET', '/v1/session')), 401, 'auth.session_invalid');
    });
  });
}
