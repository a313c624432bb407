// A server that accepts the connection and then never answers, or trickles its answer, must
// not hang the terminal: every request ends after the client's timeoutMs in `client.timeout`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import { RestrictedTerminal } from '../../../src/terminal/restrictedTerminal.ts';
import { TerminalClient } from '../../../src/terminal/terminalClient.ts';
import { UpdateChecker } from '../../../src/terminal/updates/updateChecker.ts';
import { credentialFor, hostileServersOfSuite, manifestOf, restrictedBootFor } from './hostileServerKit.ts';

// A test that fails hangs without the fix: node:test ends it after this long.
const LIMIT = { timeout: 5000 };
const timedOut = (err: unknown) => isTesseraError(err, 'client.timeout') && /200 ms/.test(err.message);

describe('a server that never answers', () => {
  const start = hostileServersOfSuite();

  test('login ends in client.timeout when the server sends nothing', LIMIT, async () => {
    const silent = await start(() => {});
    const client = new TerminalClient({ credential: credentialFor(silent.url), primitives: nodePrimitives, timeoutMs: 200 });
    const began = Date.now();
    await assert.rejects(client.login(), timedOut);
    assert.ok(Date.now() - began < 2000);
  });

  test('login ends in client.timeout when the server sends headers and trickles the body', LIMIT, async () => {
    const trickle = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const client = new TerminalClient({ credential: credentialFor(trickle.url), primitives: nodePrimitives, timeoutMs: 200 });
    await assert.rejects(client.login(), timedOut);
  });

  test("a restricted terminal's update check ends in client.timeout", LIMIT, async () => {
    const silent = await start(() => {});
    const terminal = new RestrictedTerminal(restrictedBootFor(silent.url), { primitives: nodePrimitives, timeoutMs: 200 });
    await assert.rejects(new UpdateChecker(terminal.updateSource).check('1.0.0'), timedOut);
  });

  test('a download whose server stops sending ends in client.timeout', LIMIT, async () => {
    const stalls = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '1000' });
      res.write(new Uint8Array(10));
    });
    const checker = new UpdateChecker({ url: stalls.url, updatePublicKey: nodePrimitives.randomBytes(32), primitives: nodePrimitives, timeoutMs: 200 });
    await assert.rejects(checker.download(manifestOf(1000)), timedOut);
  });

  test('a download that keeps sending is not cut off by the timeout: it waits for the next bytes only', LIMIT, async () => {
    const slow = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '8' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(new Uint8Array(1));
        if (++sent === 8) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    // 8 parts 100 ms apart take longer than the timeout in all, never between two parts.
    const checker = new UpdateChecker({ url: slow.url, updatePublicKey: nodePrimitives.randomBytes(32), primitives: nodePrimitives, timeoutMs: 500 });
    const file = await checker.download(manifestOf(8));
    assert.equal(file.ok, false);
    assert.equal(file.ok === false && file.reason, 'hash_mismatch');
  });

  test('timeoutMs must be a positive number of milliseconds', () => {
    for (const timeoutMs of [0, -1, Number.NaN, 2 ** 31]) {
      assert.throws(() => new TerminalClient({ credential: credentialFor('http://127.0.0.1:9'), primitives: nodePrimitives, timeoutMs }), (e) => isTesseraError(e, 'input.invalid'));
    }
  });
});
