// A server (or a captive portal, or a proxy) that answers a redirect must not send the
// terminal's requests elsewhere: a hello, a finish with its proof, a signed request with its
// signature and SIM facts, an update check with the terminal's version and lot. The SDK
// follows no redirect of its API calls (`client.bad_response` naming where it pointed). Only
// the file download follows one: it carries nothing of the terminal and the file is checked
// against the signed manifest wherever it comes from.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import { TerminalClient } from '../../../src/terminal/terminalClient.ts';
import { UpdateChecker } from '../../../src/terminal/updates/updateChecker.ts';
import { startTestServer, type TestServer } from '../../e2e/testServer.ts';
import { credentialFor, forward, type HostileServer, manifestOf, startHostileServer } from './hostileServerKit.ts';

const refusedRedirect = (to: string) => (err: unknown) => isTesseraError(err, 'client.bad_response') && /redirect/.test(err.message) && err.message.includes(to);

describe('a server that answers with a redirect', () => {
  let real: TestServer;
  let elsewhere: HostileServer;
  const servers: HostileServer[] = [];
  const start = async (...args: Parameters<typeof startHostileServer>) => {
    const s = await startHostileServer(...args);
    servers.push(s);
    return s;
  };
  before(async () => {
    real = await startTestServer();
    elsewhere = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await real.close();
  });

  for (const status of [301, 302, 303, 307, 308]) {
    test(`login does not follow a ${status} to another host`, async () => {
      const before = elsewhere.seen.length;
      const portal = await start((req, res) => {
        res.writeHead(status, { location: `${elsewhere.url}${req.url}` });
        res.end();
      });
      const client = new TerminalClient({ credential: credentialFor(portal.url), primitives: nodePrimitives });
      await assert.rejects(client.login(), refusedRedirect(elsewhere.url));
      assert.equal(elsewhere.seen.length, before, 'nothing reached the other host');
    });
  }

  test('a signed request (signature, body and SIM facts) does not follow a 307 to another host', async () => {
    const before = elsewhere.seen.length;
    const proxy = await start((req, res) => {
      if (req.url?.startsWith('/v1/auth/')) return forward(req, res, real.url);
      res.writeHead(307, { location: `${elsewhere.url}${req.url}` });
      res.end();
    });
    const credential = await real.addTerminal('T-redirected');
    const client = new TerminalClient({ credential, primitives: nodePrimitives, url: proxy.url });
    await client.login();
    await assert.rejects(client.request('POST', '/v1/session/echo', { body: { amount: 12 }, extraHeaders: { 'tessera-sim-iccid': '8944000000000000001' } }), refusedRedirect(elsewhere.url));
    assert.equal(elsewhere.seen.length, before, 'nothing reached the other host');
  });

  test('an update check does not follow a 302 to another host', async () => {
    const before = elsewhere.seen.length;
    const portal = await start((req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}${req.url}` });
      res.end();
    });
    const checker = new UpdateChecker({ url: portal.url, updatePublicKey: nodePrimitives.randomBytes(32), lotId: 'L-1', primitives: nodePrimitives });
    await assert.rejects(checker.check('1.0.0'), refusedRedirect(elsewhere.url));
    assert.equal(elsewhere.seen.length, before, 'nothing reached the other host');
  });

  test('the message shows where the redirect pointed, without its user info or query, and short', async () => {
    const portal = await start((_req, res) => {
      res.writeHead(302, { location: `http://user:hunter2@portal.example/${'a'.repeat(5000)}?token=s3cret` });
      res.end();
    });
    const client = new TerminalClient({ credential: credentialFor(portal.url), primitives: nodePrimitives });
    await assert.rejects(client.login(), (err: unknown) => {
      assert.ok(isTesseraError(err, 'client.bad_response'));
      assert.match(err.message, /redirect.*http:\/\/portal\.example\/aaa/);
      assert.doesNotMatch(err.message, /hunter2|user:|s3cret/);
      assert.ok(err.message.length < 600, `${err.message.length} characters`);
      return true;
    });
  });

  test('a download follows a redirect: the file is checked against the manifest', async () => {
    const mirror = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '4' });
      res.end(new Uint8Array([1, 2, 3, 4]));
    });
    const portal = await start((req, res) => {
      res.writeHead(302, { location: `${mirror.url}${req.url}` });
      res.end();
    });
    const checker = new UpdateChecker({ url: portal.url, updatePublicKey: nodePrimitives.randomBytes(32), primitives: nodePrimitives });
    const file = await checker.download(manifestOf(4));
    assert.equal(file.ok === false && file.reason, 'hash_mismatch');
    assert.equal(mirror.seen.length, 1);
  });
});
