// Malformed input over real HTTP: every bad request gets a 4xx problem+json answer with a
// stable code, never a 500 — broken or empty JSON, oversized bodies, wrong types, unknown
// fields, wrong content types, bad base64url, short nonces, prototype pollution, unknown
// routes, undecodable URLs, strings PostgreSQL cannot store, and the admin guard; plus
// fast-check properties posting random JSON and random bytes.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { type Answer, assertProblem, BACKENDS, handshake, postJson, send, sendSigned, signed } from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const BODY_LIMIT = 16_384;
const NUM_RUNS = 100;

const nonce = (bytes = 32) => toBase64Url(p.randomBytes(bytes));
const hello = (over: Record<string, unknown> = {}) => ({ terminalId: 'T-malformed', kid: 1, nonceT: nonce(), suites: ['hmac-sha256'], ...over });

/** Writes raw bytes to the server and collects everything it sends until it closes the connection. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(request));
    socket.setTimeout(5000, () => socket.destroy(new Error('the server did not close the connection')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** A 4xx problem+json answer whose code the catalogue knows. */
function assertClientProblem(answer: Answer, context: string): void {
  assert.ok(answer.status >= 400 && answer.status < 500, `${context}: status ${answer.status} ${answer.text.slice(0, 200)}`);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json\b/, `${context}: content-type`);
  assert.match(String(answer.json?.code), /^[a-z]+\.[a-z_]+$/, `${context}: code`);
  assert.equal(answer.json.status, answer.status, `${context}: status field`);
}

for (const { backend, skip } of BACKENDS) {
  describe(`malformed input over HTTP (${backend})`, () => {
    let server: TestServer;
    let url: string;
    let adminToken: string;
    before(async () => {
      if (skip) return;
      server = await startTestServer({ backend });
      url = server.url;
      adminToken = server.env['TESSERA_ADMIN_TOKEN']!;
    });
    after(() => server?.close());

    test('broken JSON, an empty JSON body and non-UTF-8 bytes are input.malformed_json', { skip }, async () => {
      for (const path of ['/v1/auth/hello', '/v1/auth/finish']) {
        for (const body of ['{bad', '{"terminalId":', '', 'nul', '{"a":1}}', "{'a':1}"]) {
          assertProblem(await postJson(url, path, body), 400, 'input.malformed_json', `${path} ${JSON.stringify(body)}`);
        }
        const latin1 = await send(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]) });
        assertProblem(latin1, 400, 'input.malformed_json', `${path} not UTF-8`);
      }
    });

    test(`a body over ${BODY_LIMIT} bytes is input.body_too_large (413), with or without Content-Length`, { skip }, async () => {
      const oversized = JSON.stringify(hello({ pad: 'x'.repeat(BODY_LIMIT) }));
      assertProblem(await postJson(url, '/v1/auth/hello', oversized), 413, 'input.body_too_large', 'content-length');
      const chunks = [new TextEncoder().encode(oversized.slice(0, 8000)), new TextEncoder().encode(oversized.slice(8000))];
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      });
      const res = await fetch(`${url}/v1/auth/hello`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
      const text = await res.text();
      assertProblem({ status: res.status, headers: res.headers, text, json: JSON.parse(text) }, 413, 'input.body_too_large', 'chunked');
      // one byte under the limit is read and judged on its content
      const base = JSON.stringify(hello({ pad: '' }));
      const atLimit = JSON.stringify(hello({ pad: 'x'.repeat(BODY_LIMIT - base.length) }));
      assert.equal(new TextEncoder().encode(atLimit).length, BODY_LIMIT);
      assertProblem(await postJson(url, '/v1/auth/hello', atLimit), 400, 'input.invalid', 'exactly at the limit');
    });

    test('wrong types, missing and unknown fields are input.invalid and name the field', { skip }, async () => {
      const cases: [string, string, unknown, string | undefined][] = [
        ['hello', '/v1/auth/hello', hello({ terminalId: 42 }), 'terminalId'],
        ['hello', '/v1/auth/hello', hello({ terminalId: '' }), 'terminalId'],
        ['hello', '/v1/auth/hello', hello({ terminalId: 'T/../admin' }), 'terminalId'],
        ['hello', '/v1/auth/hello', hello({ nonceT: [1, 2] }), 'nonceT'],
        ['hello', '/v1/auth/hello', hello({ suites: 'hmac-sha256' }), 'suites'],
        ['hello', '/v1/auth/hello', hello({ suites: [] }), 'suites'],
        ['hello', '/v1/auth/hello', hello({ suites: [1] }), 'suites.0'],
        ['hello', '/v1/auth/hello', hello({ suites: Array.from({ length: 9 }, (_, i) => `s${i}`) }), 'suites'],
        ['hello', '/v1/auth/hello', hello({ extra: true }), undefined],
        ['hello', '/v1/auth/hello', { terminalId: 'T-1', suites: ['hmac-sha256'] }, undefined],
        ['hello', '/v1/auth/hello', [hello()], undefined],
        ['hello', '/v1/auth/hello', 'null', undefined],
        ['finish', '/v1/auth/finish', { challengeId: null, terminalProof: 'x' }, 'challengeId'],
        ['finish', '/v1/auth/finish', { challengeId: 'x', terminalProof: { a: 1 } }, 'terminalProof'],
        ['finish', '/v1/auth/finish', { challengeId: 'x', terminalProof: '' }, 'terminalProof'],
        ['finish', '/v1/auth/finish', { challengeId: 'x', terminalProof: 'x'.repeat(129) }, 'terminalProof'],
        ['finish', '/v1/auth/finish', { challengeId: 'x', terminalProof: 'y', sessionId: 'z' }, undefined],
        ['finish', '/v1/auth/finish', { challengeId: 'x' }, undefined],
      ];
      for (const [name, path, body, field] of cases) {
        const answer = await postJson(url, path, body);
        assertProblem(answer, 400, 'input.invalid', `${name} ${JSON.stringify(body).slice(0, 80)}`);
        if (field) assert.equal(answer.json.field, field, `${name} field`);
      }
      assertProblem(await postJson(url, '/v1/auth/hello', hello({ suites: ['hmac-sha256', 'hmac-sha256'] })), 400, 'input.invalid', 'repeated suite');
      assertProblem(await postJson(url, '/v1/auth/hello', hello({ suites: ['no-such-suite'] })), 400, 'auth.suite_unsupported', 'unknown suite');
    });

    test('admin input naming an unknown or a repeated suite is input.invalid, for terminals and lots alike', { skip }, async () => {
      const auth = { authorization: `Bearer ${adminToken}` };
      const cases: [string, unknown, string, RegExp][] = [
        ['/v1/admin/terminals', { id: 'T-dup', suites: ['hmac-sha256', 'hmac-sha256'] }, 'suites', /lists a suite twice/],
        ['/v1/admin/terminals', { id: 'T-unknown', suites: ['hmac-sha256', 'no-such-suite'] }, 'suites', /unknown suites: no-such-suite/],
        ['/v1/admin/lots', { lotId: 'L-dup', handshakeSuites: ['hmac-sm3', 'hmac-sm3'] }, 'handshakeSuites', /lists a suite twice/],
        ['/v1/admin/lots', { lotId: 'L-dup', aeadSuites: ['aes-256-gcm', 'aes-256-gcm'] }, 'aeadSuites', /lists a suite twice/],
      ];
      for (const [path, body, field, detail] of cases) {
        const answer = await postJson(url, path, body, auth);
        assertProblem(answer, 400, 'input.invalid', JSON.stringify(body));
        assert.equal(answer.json.field, field);
        assert.match(answer.json.detail, detail);
      }
      assertProblem(await send(`${url}/v1/admin/terminals/T-dup`, { headers: auth }), 404, 'terminal.not_found', 'nothing was registered');
    });

    test('bad base64url and nonces of the wrong length are refused', { skip }, async () => {
      const n = nonce();
      const invalid = [n.slice(0, 42) + '+', n.slice(0, 42) + '/', `${n.slice(0, 42)}=`, nonce(31), nonce(33), `${nonce(31)}=`, ' '.repeat(43)];
      for (const nonceT of invalid) assertProblem(await postJson(url, '/v1/auth/hello', hello({ nonceT })), 400, 'input.invalid', `nonceT ${nonceT}`);
      // 43 characters whose last one carries non-zero padding bits: right shape, not canonical
      const canonical = nonce();
      const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(canonical[42]!);
      const nonCanonical = canonical.slice(0, 42) + 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last ^ 1];
      assertProblem(await postJson(url, '/v1/auth/hello', hello({ nonceT: nonCanonical })), 400, 'input.invalid_encoding', 'non-canonical nonceT');
    });

    test('other content types are input.unsupported_media_type (415)', { skip }, async () => {
      const body = JSON.stringify(hello());
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/xml']) {
        assertProblem(await send(`${url}/v1/auth/hello`, { method: 'POST', headers: { 'content-type': type }, body }), 415, 'input.unsupported_media_type', type);
      }
      const untyped = await send(`${url}/v1/auth/hello`, { method: 'POST', body: new TextEncoder().encode(body) });
      assertProblem(untyped, 415, 'input.unsupported_media_type', 'no content type');
      // a content coding nothing decodes, on a JSON route and on the admin upload route
      for (const coding of ['gzip', 'br', 'identity, gzip']) {
        assertProblem(await send(`${url}/v1/auth/hello`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': coding }, body }), 415, 'input.unsupported_media_type', coding);
      }
      const upload = await send(`${url}/v1/admin/updates?version=9.9.9&fileName=a.bin`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }, body: new Uint8Array([31, 139, 8, 0]) });
      assertProblem(upload, 415, 'input.unsupported_media_type', 'upload');
      // an admin route checks its token first, whatever the encoding
      const anonymous = await send(`${url}/v1/admin/updates?version=9.9.9&fileName=a.bin`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }, body: new Uint8Array([31, 139, 8, 0]) });
      assertProblem(anonymous, 401, 'admin.unauthorized', 'upload without a token');
      assert.equal((await send(`${url}/v1/auth/hello`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, body })).status, 200, 'identity is no coding');
      // a transfer coding besides chunked: node:http removes the chunking and would pass on the rest undecoded
      const port = Number(new URL(url).port);
      for (const coding of ['gzip, chunked', 'deflate,chunked']) {
        const raw = await rawExchange(port, `POST /v1/auth/hello HTTP/1.1\r\nhost: a\r\ncontent-type: application/json\r\ntransfer-encoding: ${coding}\r\nconnection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
        assert.match(raw, /^HTTP\/1.1 415 /, coding);
        assert.match(raw, /"code":"input.unsupported_media_type"/, coding);
      }
      const fresh = JSON.stringify(hello());
      const chunked = await rawExchange(port, `POST /v1/auth/hello HTTP/1.1\r\nhost: a\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n${fresh.length.toString(16)}\r\n${fresh}\r\n0\r\n\r\n`);
      assert.match(chunked, /^HTTP\/1.1 200 /, 'chunked alone');
    });

    test('prototype pollution attempts are input.invalid (valid JSON, refused member) and pollute nothing', { skip }, async () => {
      const bodies = [
        `{"__proto__":{"polluted":1},"terminalId":"T-1","kid":1,"nonceT":"${nonce()}","suites":["hmac-sha256"]}`,
        `{"terminalId":"T-1","kid":1,"nonceT":"${nonce()}","suites":["hmac-sha256"],"constructor":{"prototype":{"polluted":1}}}`,
        `{"challengeId":"x","terminalProof":"y","a":{"b":{"__proto__":{"polluted":1}}}}`,
      ];
      for (const body of bodies) {
        for (const path of ['/v1/auth/hello', '/v1/auth/finish']) {
          const answer = await postJson(url, path, body);
          assertProblem(answer, 400, 'input.invalid', `${path} ${body.slice(0, 40)}`);
          assert.match(answer.json.detail, /__proto__/, path);
        }
      }
      const admin = await postJson(url, '/v1/admin/terminals', '{"id":"T-proto","__proto__":{"status":"revoked"}}', { authorization: `Bearer ${adminToken}` });
      assertProblem(admin, 400, 'input.invalid', 'admin');
      // broken JSON that also holds the name stays malformed
      assertProblem(await postJson(url, '/v1/auth/hello', '{"__proto__":{}'), 400, 'input.malformed_json', 'broken, with __proto__');
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      assert.equal(({} as Record<string, unknown>)['status'], undefined);
    });

    test(`JSON nested deeper than 32 levels is input.invalid, on every route (echoing 5,000 levels back was a 500)`, { skip }, async () => {
      const nested = (levels: number) => {
        let value: unknown = 1;
        for (let i = 1; i < levels; i++) value = [value];
        return { deep: value };
      };
      const session = await handshake(url, await server.addTerminal(`T-deep-${backend}`));
      const echo = (body: unknown) => sendSigned(signed(url, session, 'POST', '/v1/session/echo', { body }));
      const atLimit = await echo(nested(32));
      assert.equal(atLimit.status, 200, atLimit.text.slice(0, 200));
      assert.deepEqual(atLimit.json.body, nested(32));
      // as text: JSON.stringify itself overflows on 5,000 levels
      const nestedText = (levels: number) => `{"deep":${'['.repeat(levels - 1)}1${']'.repeat(levels - 1)}}`;
      assert.equal(nestedText(32), JSON.stringify(nested(32)));
      for (const levels of [33, 5000]) {
        const answer = await sendSigned(signed(url, session, 'POST', '/v1/session/echo', { rawBody: nestedText(levels) }));
        assertProblem(answer, 400, 'input.invalid', `echo ${levels} levels`);
        assert.match(answer.json.detail, /deeper than 32 levels/);
      }
      // brackets inside strings do not count
      const inString = await echo({ text: '['.repeat(100) + '{'.repeat(100), escaped: '\\"[[[[' });
      assert.equal(inString.status, 200, inString.text.slice(0, 200));
      assertProblem(await postJson(url, '/v1/auth/hello', `{"a":${'['.repeat(40)}${']'.repeat(40)}}`), 400, 'input.invalid', 'hello');
      assertProblem(await postJson(url, '/v1/admin/terminals', `{"id":${'['.repeat(40)}${']'.repeat(40)}}`, { authorization: `Bearer ${adminToken}` }), 400, 'input.invalid', 'admin');
    });

    test('unknown routes are input.not_found, a known path with another method input.method_not_allowed; undecodable URLs are problem+json too', { skip }, async () => {
      assertProblem(await send(`${url}/v1/nothing`), 404, 'input.not_found');
      assertProblem(await send(`${url}/v1/admin/terminals/T-1/nothing`), 404, 'input.not_found', 'below a parameter');
      for (const method of ['GET', 'DELETE', 'PUT', 'OPTIONS']) {
        const answer = await send(`${url}/v1/auth/hello`, { method });
        assertProblem(answer, 405, 'input.method_not_allowed', `${method} on a POST route`);
        assert.equal(answer.headers.get('allow'), 'POST', method);
      }
      const onParameter = await send(`${url}/v1/admin/terminals/T-1?x=1`, { method: 'POST' });
      assertProblem(onParameter, 405, 'input.method_not_allowed', 'POST on GET /v1/admin/terminals/:id');
      assert.equal(onParameter.headers.get('allow'), 'GET, HEAD');
      assertProblem(await send(`${url}/%zz`), 400, 'input.invalid', 'bad percent-encoding');
      // Over Fastify's 100-character parameter limit: the same answer as an id one character too long.
      for (const length of [65, 101, 200]) {
        assertProblem(await send(`${url}/v1/admin/terminals/${'a'.repeat(length)}`, { headers: { authorization: `Bearer ${adminToken}` } }), 400, 'input.invalid', `${length}-character id`);
      }
    });

    test('requests node:http cannot parse are problem+json too, then the connection closes', { skip }, async () => {
      const { port } = new URL(url);
      const cases: [string, number, string][] = [
        [`GET /healthz HTTP/1.1\r\nhost: a\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'input.headers_too_large'],
        ['GET / HTTP/9.9\r\nhost: a\r\n\r\n', 400, 'input.malformed_request'],
        ['POST /v1/auth/hello HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello', 400, 'input.malformed_request'],
        ['POST /v1/auth/hello HTTP/1.1\r\nhost: a\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', 400, 'input.malformed_request'],
        // a proxy tunnel request: node:http alone drops the connection without an answer
        ['CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n', 405, 'input.method_not_allowed'],
      ];
      // CONNECT: answered with Allow, and the server lets go of the socket even when the client
      // keeps its side open (a hijacked socket is outside node:http's timeouts and shutdown).
      const connections = () => new Promise<number>((resolve, reject) => server.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
      const before = await connections();
      const tunnel = net.connect({ host: '127.0.0.1', port: Number(port), allowHalfOpen: true }, () => tunnel.write('CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n'));
      const answer = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        tunnel.on('data', (c: Buffer) => chunks.push(c));
        tunnel.on('error', reject);
        tunnel.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      });
      assert.match(answer, /^HTTP\/1.1 405 [^\r]*\r\n(.*\r\n)*Allow: GET, HEAD, POST\r\n/);
      for (const deadline = Date.now() + 2000; (await connections()) > before; await new Promise((r) => setTimeout(r, 20))) {
        assert.ok(Date.now() < deadline, 'the server still holds the CONNECT socket');
      }
      tunnel.destroy();
      for (const [request, status, code] of cases) {
        const raw = await rawExchange(Number(port), request);
        const [head, body] = raw.split('\r\n\r\n');
        assert.match(head!, new RegExp(`^HTTP/1.1 ${status} `), request.slice(0, 30));
        assert.match(head!, /content-type: application\/problem\+json/i);
        assert.deepEqual(JSON.parse(body!), { type: `https://tessera.dev/errors/${code}`, title: JSON.parse(body!).title, status, code });
      }
    });

    test('an HTTP/1.1 request without Host is input.malformed_request, an unknown Expect input.expectation_failed; HTTP/1.0 and 100-continue still work', { skip }, async () => {
      const port = Number(new URL(url).port);
      const problemOf = (raw: string, status: number, code: string, context: string) => {
        const [head, body] = raw.split('\r\n\r\n');
        assert.match(head!, new RegExp(`^HTTP/1.1 ${status} `), context);
        assert.match(head!, /content-type: application\/problem\+json/i, context);
        assert.match(head!, /connection: close/i, context);
        const json = JSON.parse(body!);
        assert.equal(json.code, code, context);
        assert.equal(json.status, status, context);
        return json;
      };
      const noHost = problemOf(await rawExchange(port, 'GET /healthz HTTP/1.1\r\n\r\n'), 400, 'input.malformed_request', 'no Host');
      assert.match(noHost.detail, /Host header/);
      problemOf(await rawExchange(port, 'POST /v1/auth/hello HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}'), 400, 'input.malformed_request', 'no Host, with a body');
      problemOf(await rawExchange(port, 'GET /nothing HTTP/1.1\r\n\r\n'), 400, 'input.malformed_request', 'no Host, unknown route');
      problemOf(await rawExchange(port, 'GET /%zz HTTP/1.1\r\n\r\n'), 400, 'input.malformed_request', 'no Host, a URL that fails before routing');
      // a Host that is not a host (it becomes the URL of a credential), or a repeated Host or Authorization
      for (const host of ['a b', 'x"y', '', '[::1]:99999', 'a:b:c', 'user@host', 'h%41st', 'a/b']) {
        const bad = problemOf(await rawExchange(port, `GET /healthz HTTP/1.1\r\nhost: ${host}\r\n\r\n`), 400, 'input.malformed_request', `Host ${JSON.stringify(host)}`);
        assert.match(bad.detail, /Host header is not a host/, host);
      }
      problemOf(await rawExchange(port, 'GET /healthz HTTP/1.0\r\nhost: a b\r\n\r\n'), 400, 'input.malformed_request', 'HTTP/1.0 with a bad Host');
      const twoHosts = problemOf(await rawExchange(port, 'GET /healthz HTTP/1.1\r\nhost: a\r\nHost: b\r\n\r\n'), 400, 'input.malformed_request', 'two Host lines');
      assert.match(twoHosts.detail, /one Host header/);
      const twoAuth = problemOf(await rawExchange(port, `GET /v1/admin/terminals HTTP/1.1\r\nhost: a\r\nauthorization: Bearer ${adminToken}\r\nAuthorization: Bearer x\r\n\r\n`), 400, 'input.malformed_request', 'two Authorization lines');
      assert.match(twoAuth.detail, /one Authorization header/);
      for (const host of ['LOCALHOST:1', 'tessera.example', '10.0.0.1:443', '[::1]:8080', 'my_host.internal']) {
        assert.match(await rawExchange(port, `GET /healthz HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`), /^HTTP\/1.1 200 /, host);
      }
      // an IP literal the URL parser refuses is not written into a credential
      const literal = problemOf(await rawExchange(port, `POST /v1/admin/terminals HTTP/1.1\r\nhost: [:::]\r\nauthorization: Bearer ${adminToken}\r\ncontent-type: application/json\r\ncontent-length: 15\r\nconnection: close\r\n\r\n{"id":"T-host"}`), 400, 'input.malformed_request', 'IPv6 literal');
      assert.match(literal.detail, /TESSERA_PUBLIC_URL/);
      const expect = problemOf(await rawExchange(port, 'POST /v1/auth/hello HTTP/1.1\r\nhost: a\r\nexpect: 200-ok\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}'), 417, 'input.expectation_failed', 'Expect: 200-ok');
      assert.match(expect.detail, /100-continue/);
      assert.match(await rawExchange(port, 'GET /healthz HTTP/1.0\r\n\r\n'), /^HTTP\/1.1 200 /, 'HTTP/1.0 needs no Host');
      const continued = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nhost: a\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n');
      assert.match(continued, /^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 200 /, '100-continue');
    });

    test('the admin API without the right bearer token is admin.unauthorized, before any validation', { skip }, async () => {
      const variants: [string, Record<string, string>][] = [
        ['no header', {}],
        ['wrong token', { authorization: `Bearer ${'x'.repeat(43)}` }],
        ['token with one character changed', { authorization: `Bearer ${adminToken.slice(0, -1)}${adminToken.endsWith('A') ? 'B' : 'A'}` }],
        ['token prefix', { authorization: `Bearer ${adminToken.slice(0, 10)}` }],
        ['basic scheme', { authorization: `Basic ${adminToken}` }],
        ['empty bearer', { authorization: 'Bearer ' }],
      ];
      for (const [name, headers] of variants) {
        assertProblem(await send(`${url}/v1/admin/terminals`, { headers }), 401, 'admin.unauthorized', `list: ${name}`);
        assertProblem(await send(`${url}/v1/admin/events?limit=nope`, { headers }), 401, 'admin.unauthorized', `bad query: ${name}`);
        assertProblem(await postJson(url, '/v1/admin/terminals', { nonsense: true }, headers), 401, 'admin.unauthorized', `bad body: ${name}`);
        assertProblem(await postJson(url, '/v1/admin/terminals', '{broken', headers), 401, 'admin.unauthorized', `broken body: ${name}`);
      }
      const answer = await send(`${url}/v1/admin/terminals`, { headers: { authorization: `Bearer ${adminToken}` } });
      assert.equal(answer.status, 200);
      // the scheme is case-insensitive (RFC 9110 §11.1), the token is not
      for (const scheme of ['bearer', 'BEARER']) assert.equal((await send(`${url}/v1/admin/terminals`, { headers: { authorization: `${scheme} ${adminToken}` } })).status, 200, scheme);
      assertProblem(await send(`${url}/v1/admin/terminals`, { headers: { authorization: `Bearer ${adminToken.toUpperCase() === adminToken ? adminToken.toLowerCase() : adminToken.toUpperCase()}` } }), 401, 'admin.unauthorized', 'token in another case');
    });

    test('strings the database cannot store are refused at the schema, not with a 500', { skip }, async () => {
      const auth = { authorization: `Bearer ${adminToken}` };
      for (const query of ['type=%00', 'type=a%00b', 'before=%00', 'before=%C3%A9', 'terminalId=%00']) {
        assertProblem(await send(`${url}/v1/admin/events?${query}`, { headers: auth }), 400, 'input.invalid', query);
      }
      for (const label of ['a\u0000b', '\ud800', 'line\nbreak']) {
        assertProblem(await postJson(url, '/v1/admin/terminals', { id: 'T-label', label }, auth), 400, 'input.invalid', `label ${JSON.stringify(label)}`);
      }
      assert.equal((await postJson(url, '/v1/admin/terminals', { id: 'T-label', label: 'Kiosk — café 😀' }, auth)).status, 201);
    });

    test('property: random JSON posted to hello and finish is a 4xx problem+json', { skip }, async () => {
      const json = fc.jsonValue({ maxDepth: 3 });
      const text = fc.string({ unit: 'binary', maxLength: 64 });
      const anyValue = fc.oneof(json, text);
      const bodies = fc.oneof(
        json,
        fc.record({ terminalId: anyValue, kid: anyValue, nonceT: anyValue, suites: fc.oneof(fc.array(anyValue, { maxLength: 9 }), anyValue) }),
        fc.record({ challengeId: anyValue, terminalProof: anyValue }),
        fc.dictionary(text, anyValue, { maxKeys: 5 }),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('/v1/auth/hello', '/v1/auth/finish'), bodies, async (path, body) => {
          assertClientProblem(await postJson(url, path, JSON.stringify(body)), `${path} ${JSON.stringify(body).slice(0, 120)}`);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    test('property: random bytes posted as JSON are a 4xx problem+json', { skip }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom('/v1/auth/hello', '/v1/auth/finish', '/v1/session/echo', '/v1/admin/terminals'), fc.uint8Array({ maxLength: 256 }), async (path, bytes) => {
          const answer = await send(url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: bytes });
          assertClientProblem(answer, `${path} ${toBase64Url(bytes)}`);
        }),
        { numRuns: NUM_RUNS },
      );
    });

    test('property: random admin input is never a 5xx', { skip }, async () => {
      const auth = { authorization: `Bearer ${adminToken}` };
      const text = fc.string({ unit: 'binary', maxLength: 40 });
      await fc.assert(
        fc.asyncProperty(
          fc.record({ id: fc.oneof(text, fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/)), label: fc.option(text, { nil: undefined }), suites: fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }) }),
          fc.dictionary(fc.constantFrom('type', 'before', 'terminalId', 'limit', 'after', 'status'), text, { maxKeys: 3 }),
          async (body, query) => {
            const created = await postJson(url, '/v1/admin/terminals', body, auth);
            if (created.status !== 201) assertClientProblem(created, `add ${JSON.stringify(body)}`);
            const qs = new URLSearchParams(query).toString();
            for (const path of ['/v1/admin/events', '/v1/admin/terminals']) {
              const listed = await send(`${url}${path}?${qs}`, { headers: auth });
              if (listed.status !== 200) assertClientProblem(listed, `${path}?${qs}`);
            }
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });
  });
}
