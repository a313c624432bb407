// End-to-end handshake over real HTTP: login, signed requests, renewal, fake server, revocation.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { startTestServer, type TestServer } from './testServer.ts';

describe('mutual handshake over HTTP (embedded defaults)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('a registered terminal logs in, then signs requests', async () => {
    const credential = await server.addTerminal('T-0001');
    const client = new TerminalClient({ credential, primitives: nodePrimitives });
    const session = await client.login();
    assert.deepEqual(session.capabilities, ['session', 'update']);
    assert.equal(session.suite, 'hmac-sha256');
    const { status, body } = await client.request<{ terminalId: string; sessionId: string }>('GET', '/v1/session');
    assert.equal(status, 200);
    assert.equal(body.terminalId, 'T-0001');
    assert.equal(body.sessionId, session.sessionId);
    const echo = await client.request<{ body: unknown }>('POST', '/v1/session/echo', { body: { amount: 12 } });
    assert.deepEqual(echo.body.body, { amount: 12 });
  });

  test('a credential carries the origin the admin request came in on, in canonical form', async () => {
    const { port } = new URL(server.url);
    const body = JSON.stringify({ id: 'T-origin' });
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/admin/terminals', headers: { host: `LOCALHOST:${port}`, authorization: `Bearer ${server.env['TESSERA_ADMIN_TOKEN']}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal((JSON.parse(answer) as { credential: { url: string } }).credential.url, `http://localhost:${port}`);
  });

  test('a fake server (wrong key) is detected by the terminal', async () => {
    const credential = await server.addTerminal('T-fake');
    const forged = { ...credential, key: toBase64Url(nodePrimitives.randomBytes(32)) };
    const client = new TerminalClient({ credential: forged, primitives: nodePrimitives });
    await assert.rejects(client.login(), (err) => isTesseraError(err, 'auth.server_not_genuine'));
  });

  test('a revoked terminal cannot log in and its session stops working', async () => {
    const credential = await server.addTerminal('T-rev');
    const client = new TerminalClient({ credential, primitives: nodePrimitives });
    await client.login();
    const res = await server.admin('POST', '/v1/admin/terminals/T-rev/revoke');
    assert.equal(res.status, 200);
    await assert.rejects(client.request('GET', '/v1/session'), (err) => isTesseraError(err, 'auth.refused'));
    await assert.rejects(new TerminalClient({ credential, primitives: nodePrimitives }).login(), (err) => isTesseraError(err, 'auth.refused'));
  });
});
