// A 2xx answer whose JSON has the wrong shape (a captive portal's HTML page, an empty body,
// a member of the wrong type) is `client.bad_response` or a typed refusal, never a TypeError
// from inside the SDK. The answers after login come from a proxy in front of a real server
// that rewrites them (the handshake itself cannot be forged without the terminal's key).
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import { activateTerminal } from '../../../src/terminal/activation.ts';
import { BindingClient } from '../../../src/terminal/binding/bindingClient.ts';
import { SimulatedSubscriberInfo } from '../../../src/terminal/binding/subscriberInfo.ts';
import { TerminalClient } from '../../../src/terminal/terminalClient.ts';
import { UpdateChecker } from '../../../src/terminal/updates/updateChecker.ts';
import { neverIssued } from '../../e2e/activationKit.ts';
import { startTestServer, type TestServer } from '../../e2e/testServer.ts';
import { credentialFor, forward, type HostileServer, startHostileServer } from './hostileServerKit.ts';

const badResponse = (err: unknown) => isTesseraError(err, 'client.bad_response');
const SHAPES = ['', 'null', '[]', '5', '"text"', '{}', '{"challengeId": 5}', '<html><body>Welcome to the hotel Wi-Fi</body></html>'];

describe('a 2xx answer of the wrong shape', () => {
  let real: TestServer;
  let answer = '';
  /** Paths the proxy answers itself with `answer`; the rest goes to the real server. */
  let rewritten: RegExp = /^$/;
  let proxy: HostileServer;
  let fake: HostileServer;
  const reply = (res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(answer);
  };
  before(async () => {
    real = await startTestServer();
    proxy = await startHostileServer((req, res) => (rewritten.test(req.url ?? '') ? reply(res) : forward(req, res, real.url)));
    fake = await startHostileServer((_req, res) => reply(res));
  });
  after(async () => {
    await Promise.all([proxy.close(), fake.close()]);
    await real.close();
  });

  test('a hello answer of any wrong shape is client.bad_response', async () => {
    for (const body of SHAPES) {
      answer = body;
      await assert.rejects(new TerminalClient({ credential: credentialFor(fake.url), primitives: nodePrimitives }).login(), badResponse, body);
    }
  });

  test('a finish answer of any wrong shape is client.bad_response', async () => {
    const credential = await real.addTerminal('T-finish-shapes');
    rewritten = /^\/v1\/auth\/finish$/;
    for (const body of [...SHAPES, '{"sessionId": "s", "expiresAt": "2030-01-01T00:00:00Z", "capabilities": [1]}', '{"sessionId": "s", "expiresAt": 5, "capabilities": []}']) {
      answer = body;
      await assert.rejects(new TerminalClient({ credential, primitives: nodePrimitives, url: proxy.url }).login(), badResponse, body);
    }
  });

  test('an update check answer of any wrong shape is refused as malformed', async () => {
    const checker = new UpdateChecker({ url: fake.url, updatePublicKey: nodePrimitives.randomBytes(32), primitives: nodePrimitives });
    for (const body of ['', 'null', '[]', '5', '{}', '{"update": "x"}', '{"update": {"manifest": 5}}']) {
      answer = body;
      const found = await checker.check('1.0.0');
      assert.equal(found.status === 'refused' && found.reason, 'malformed', body);
    }
    answer = '<html></html>';
    await assert.rejects(checker.check('1.0.0'), badResponse);
  });

  test('a binding registration answer of the wrong shape is client.bad_response', async () => {
    const credential = await real.addTerminal('T-binding-shapes');
    const client = new TerminalClient({ credential, primitives: nodePrimitives, url: proxy.url });
    const binding = new BindingClient({ client, subscriber: new SimulatedSubscriberInfo({ iccid: '8944000000000000001', imsi: '234100000000001', seSerial: 'SE0000000001' }) });
    rewritten = /^\/v1\/bindings$/;
    for (const body of ['', 'null', '[]', '{}', '{"binding": null}', '{"binding": {"id": 5}}']) {
      answer = body;
      await assert.rejects(binding.register({ msisdn: '+447400123456' }), badResponse, body);
    }
  });

  test('an activation answer of the wrong shape is client.bad_response', async () => {
    const credential = await real.addTerminal('T-activation-shapes');
    const client = new TerminalClient({ credential, primitives: nodePrimitives, url: proxy.url });
    rewritten = /^\/v1\/activate$/;
    for (const body of ['', '{}', '{"status": "active", "terminalId": 5}']) {
      answer = body;
      await assert.rejects(activateTerminal(client, neverIssued(1)), badResponse, body);
    }
  });
});
