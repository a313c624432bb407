// A client that never finishes sending its request: the request timeout answers it 408 and
// closes the connection, and a shutdown does not wait for it past its grace period. Before,
// Fastify's default (no limit) held such a socket, and `tessera serve`'s exit, for ever.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { SHUTDOWN_GRACE_MS } from '../../src/server/startServer.ts';
import { startTestServer } from './testServer.ts';

/**
 * Opens a connection and sends the head of a POST that announces 100 body bytes, with
 * `Expect: 100-continue`; once the server's 100 Continue shows the request is in flight, sends
 * 5 of the bytes and keeps the connection open.
 */
function unfinishedRequest(port: number): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const received = () => Buffer.concat(chunks).toString('latin1');
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write('POST /v1/auth/hello HTTP/1.1\r\nhost: a\r\ncontent-type: application/json\r\ncontent-length: 100\r\nexpect: 100-continue\r\n\r\n');
    });
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (chunks.length === 1 && /^HTTP\/1.1 100 /.test(received())) {
        socket.write('{"a":');
        resolve({ socket, received, closed });
      }
    });
    socket.on('error', reject);
  });
}

test('a request whose body never ends gets 408 input.request_timeout after TESSERA_REQUEST_TIMEOUT_SECONDS', async () => {
  const server = await startTestServer({ env: { TESSERA_REQUEST_TIMEOUT_SECONDS: '1' } });
  try {
    const pending = await unfinishedRequest(Number(new URL(server.url).port));
    const closedInTime = await Promise.race([pending.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 8000))]);
    pending.socket.destroy();
    assert.ok(closedInTime, 'the server still holds the connection 8 s after a 1 s request timeout');
    assert.match(pending.received(), /^HTTP\/1.1 100 Continue\r\n\r\nHTTP\/1.1 408 /);
    assert.match(pending.received(), /"code":"input.request_timeout"/);
    // the server answers as before
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
  }
});

test('close() cuts a request still arriving after its grace period instead of waiting for it', async () => {
  const server = await startTestServer({ env: { TESSERA_REQUEST_TIMEOUT_SECONDS: '3600' } });
  const pending = await unfinishedRequest(Number(new URL(server.url).port));
  try {
    const started = Date.now();
    const closed = await Promise.race([server.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), SHUTDOWN_GRACE_MS + 10_000))]);
    assert.ok(closed, `close() still waits for the unfinished request ${SHUTDOWN_GRACE_MS + 10_000} ms later`);
    assert.ok(Date.now() - started >= SHUTDOWN_GRACE_MS - 500, 'the request in flight had its grace period');
    await pending.closed;
  } finally {
    pending.socket.destroy();
  }
});
