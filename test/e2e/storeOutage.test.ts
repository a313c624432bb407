// A backing store that goes away is a 503 `server.unavailable` with Retry-After, never a 500,
// and the server recovers by itself when the store is back. Redis is a redis-server of the
// test's own on a free port, stopped and started again; PostgreSQL (CI's real one) is reached
// through a TCP relay the test cuts and restores.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { assertProblem, challengeFor, handshake, send, sendFinish, sendHello } from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const redisServerMissing = spawnSync('redis-server', ['--version']).status !== 0;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something at the port answers Redis's PING (10 s at most). */
async function untilRedisAnswers(port: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const pong = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (d) => resolve(d.toString().startsWith('+PONG')));
      socket.once('error', () => resolve(false));
      socket.setTimeout(500, () => resolve(false));
    }).catch(() => false);
    if (pong) return;
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await untilRedisAnswers(port);
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Polls `check` until it is true (5 s at most): ioredis and the pg pool reconnect on their own schedule. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    if (await check()) return;
  }
  assert.fail(`${what} within 5 s`);
}

describe('Redis going away', { skip: redisServerMissing && 'needs the redis-server command' }, () => {
  let redis: ChildProcess;
  let port: number;
  let server: TestServer;
  before(async () => {
    port = await freePort();
    redis = await startRedis(port);
    server = await startTestServer({ env: { TESSERA_REDIS_URL: `redis://127.0.0.1:${port}` } });
  });
  after(async () => {
    await server?.close();
    if (redis) await stopRedis(redis);
  });

  test('handshakes answer 503 with Retry-After while it is down, and work again once it is back', async () => {
    const credential = await server.addTerminal('T-redis-outage');
    await handshake(server.url, credential);
    await stopRedis(redis);
    const refused = (await sendHello(server.url, credential)).answer;
    assertProblem(refused, 503, 'server.unavailable');
    assert.equal(refused.headers.get('retry-after'), '5');
    assertProblem(await send(`${server.url}/readyz`), 503, 'server.unavailable');
    redis = await startRedis(port);
    await eventually('the server answers a hello again', async () => (await sendHello(server.url, credential)).answer.status === 200);
    await handshake(server.url, credential);
    assert.equal((await send(`${server.url}/readyz`)).status, 200);
  });
});

describe('PostgreSQL going away', { skip: !process.env['TESSERA_DATABASE_URL'] && 'needs TESSERA_DATABASE_URL' }, () => {
  let relay: net.Server;
  const links = new Set<net.Socket>();
  let relayPort: number;
  let server: TestServer;
  const target = new URL(process.env['TESSERA_DATABASE_URL'] ?? 'postgres://127.0.0.1');

  async function openRelay(): Promise<void> {
    relay = net.createServer((inbound) => {
      const outbound = net.connect(Number(target.port || 5432), target.hostname);
      for (const s of [inbound, outbound]) {
        links.add(s);
        s.on('error', () => {});
        s.on('close', () => links.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      relay.once('error', reject);
      relay.listen(relayPort, '127.0.0.1', resolve);
    });
  }

  async function cutRelay(): Promise<void> {
    const closed = new Promise((resolve) => relay.close(resolve));
    for (const s of links) s.destroy();
    await closed;
  }

  before(async () => {
    relayPort = await freePort();
    await openRelay();
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String(relayPort);
    server = await startTestServer({ backend: 'shared', env: { TESSERA_DATABASE_URL: url.toString() } });
  });
  after(async () => {
    if (!relay.listening) await openRelay(); // the server's close drops its schema through the relay
    await server?.close();
    await cutRelay();
  });

  test('a finish that needs the database answers 503 while it is down, and works again once it is back', async () => {
    const credential = await server.addTerminal('T-pg-outage');
    await handshake(server.url, credential);
    const pending = await challengeFor(server.url, credential); // hello needs Redis only
    await cutRelay();
    const refused = await sendFinish(server.url, pending.finish);
    assertProblem(refused, 503, 'server.unavailable');
    assert.equal(refused.headers.get('retry-after'), '5');
    assertProblem(await send(`${server.url}/readyz`), 503, 'server.unavailable');
    await openRelay();
    await eventually('the server finishes a handshake again', async () => {
      const { finish } = await challengeFor(server.url, credential);
      return (await sendFinish(server.url, finish)).status === 200;
    });
  });
});
