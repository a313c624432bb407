// A connection that breaks after the headers (a reset, a proxy that gives up, a server that
// dies) is a network failure: `client.network`, never an untyped error from the body stream.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import { TerminalClient } from '../../../src/terminal/terminalClient.ts';
import { UpdateChecker } from '../../../src/terminal/updates/updateChecker.ts';
import { credentialFor, hostileServersOfSuite, manifestOf } from './hostileServerKit.ts';

const LIMIT = { timeout: 5000 };
const broken = (err: unknown) => isTesseraError(err, 'client.network') && /broke off/.test(err.message);

/** Sends the headers and a little of the body, then resets the connection. */
const breakAfter =
  (status: number, headers: Record<string, string>) =>
  (_req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.writeHead(status, headers);
    res.write('{"a": ', () => setTimeout(() => res.socket?.resetAndDestroy(), 20));
  };

describe('a connection that breaks in the middle of the answer', () => {
  const start = hostileServersOfSuite();
  const checker = (url: string) => new UpdateChecker({ url, updatePublicKey: nodePrimitives.randomBytes(32), primitives: nodePrimitives, timeoutMs: 2000 });

  test('login: a hello answer cut short of its Content-Length is client.network', LIMIT, async () => {
    const server = await start(breakAfter(200, { 'content-type': 'application/json', 'content-length': '1000' }));
    const client = new TerminalClient({ credential: credentialFor(server.url), primitives: nodePrimitives, timeoutMs: 2000 });
    await assert.rejects(client.login(), broken);
  });

  test('update check: a chunked answer cut off is client.network', LIMIT, async () => {
    const server = await start(breakAfter(200, { 'content-type': 'application/json' }));
    await assert.rejects(checker(server.url).check('1.0.0'), broken);
  });

  test('download: a file cut off is client.network', LIMIT, async () => {
    const server = await start(breakAfter(200, { 'content-type': 'application/octet-stream', 'content-length': '1000' }));
    await assert.rejects(checker(server.url).download(manifestOf(1000)), broken);
  });

  test("download: an error answer cut off is client.network", LIMIT, async () => {
    const server = await start(breakAfter(503, { 'content-type': 'application/problem+json' }));
    await assert.rejects(checker(server.url).download(manifestOf(1000)), broken);
  });
});
