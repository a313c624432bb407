// A server that sends more than the terminal asked for must not fill its memory: a JSON answer
// is read up to 1 MiB and refused past it (`client.bad_response`, the connection closed), and
// a download stops at the manifest's size + 1 bytes. The servers below send at most 64 MiB
// and then stall, so a terminal that buffers everything fails by time, not by running out of memory.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import { TerminalClient } from '../../../src/terminal/terminalClient.ts';
import { UpdateChecker } from '../../../src/terminal/updates/updateChecker.ts';
import { credentialFor, hostileServersOfSuite, manifestOf } from './hostileServerKit.ts';

const LIMIT = { timeout: 8000 };
const MiB = 1 << 20;
const tooLarge = (err: unknown) => isTesseraError(err, 'client.bad_response') && /larger than 1 MiB/.test(err.message);

/** Writes 64 KiB parts up to 64 MiB in all, then nothing more (the answer never ends). */
function flood(res: http.ServerResponse): void {
  const part = new Uint8Array(64 * 1024).fill(0x20);
  let left = 1024;
  const pump = () => {
    while (left > 0 && !res.destroyed) {
      left--;
      if (!res.write(part)) return void res.once('drain', pump);
    }
  };
  pump();
}

describe('a server that sends too much', () => {
  const start = hostileServersOfSuite();
  const checker = (url: string) => new UpdateChecker({ url, updatePublicKey: nodePrimitives.randomBytes(32), primitives: nodePrimitives, timeoutMs: 60_000 });

  test('a hello answer without end is refused after 1 MiB and its connection closed', LIMIT, async () => {
    const server = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      flood(res);
    });
    const closed = server.connectionClosed();
    const client = new TerminalClient({ credential: credentialFor(server.url), primitives: nodePrimitives, timeoutMs: 60_000 });
    await assert.rejects(client.login(), tooLarge);
    assert.ok((await closed) < 64 * MiB, 'the terminal stopped reading');
  });

  test('an answer that announces more than 1 MiB is refused before it is read', LIMIT, async () => {
    const server = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 ** 31) });
      res.write('{');
    });
    await assert.rejects(checker(server.url).check('1.0.0'), tooLarge);
  });

  test('an answer of just under 1 MiB is read', LIMIT, async () => {
    const server = await start((_req, res) => {
      const body = '{"update": null}';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body + ' '.repeat(MiB - body.length));
    });
    assert.deepEqual(await checker(server.url).check('1.0.0'), { status: 'up_to_date' });
  });

  test('a gzip answer that inflates past 1 MiB is cut off while it inflates', LIMIT, async () => {
    const bomb = gzipSync(new Uint8Array(256 * MiB).fill(0x20));
    const server = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
      res.end(bomb);
    });
    await assert.rejects(checker(server.url).check('1.0.0'), tooLarge);
  });

  test("a failed download's error answer without end is refused after 1 MiB", LIMIT, async () => {
    const server = await start((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/problem+json' });
      flood(res);
    });
    const closed = server.connectionClosed();
    await assert.rejects(checker(server.url).download(manifestOf(1000)), tooLarge);
    assert.ok((await closed) < 64 * MiB);
  });

  test("a download is cut off at the manifest's size + 1 bytes", LIMIT, async () => {
    const server = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      flood(res);
    });
    const closed = server.connectionClosed();
    let most = 0;
    const file = await checker(server.url).download(manifestOf(1000), (n) => (most = n));
    assert.equal(file.ok === false && file.reason, 'size_mismatch');
    assert.ok(most <= 1000 + 64 * 1024, `read ${most} bytes`);
    assert.ok((await closed) < 64 * MiB);
  });

  test('a download that announces more than the manifest says is refused before it is read', LIMIT, async () => {
    const server = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(2 ** 40) });
      res.write(new Uint8Array(10));
    });
    const file = await checker(server.url).download(manifestOf(1000));
    assert.equal(file.ok === false && file.reason, 'size_mismatch');
  });
});
