// A backing store that goes away or is full is a 503 `server.unavailable` with Retry-After,
// never a 500, and the server recovers by itself when the store is back. Redis is a
// redis-server of the test's own on a free port, stopped and started again, or given a small
// maxmemory; PostgreSQL (CI's real one) is reached through a TCP relay the test cuts and
// restores; the in-memory store is given a small entry limit.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { openEphemeralStore } from '../../src/server/ephemeral/openEphemeralStore.ts';
import { assertProblem, challengeFor, handshake, metricValue, send, sendFinish, sendHello, sendSigned, signed } from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const redisServerMissing = spawnSync('redis-server', ['--version']).status !== 0;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once the child's redis-server answers PING on the port (10 s at most); throws at once if it exits. */
async function untilRedisAnswers(port: number, child: ChildProcess): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited before answering on port ${port} (taken meanwhile?)`);
    const pong = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      const settle = (answer: boolean) => {
        socket.destroy();
        resolve(answer);
      };
      socket.once('data', (d) => settle(d.toString().startsWith('+PONG')));
      socket.once('error', () => settle(false));
      socket.setTimeout(500, () => settle(false));
    });
    if (pong) return;
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

/** A redis-server of the test's own on `port`. */
async function startRedis(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: 'ignore' });
  try {
    await untilRedisAnswers(port, child);
  } catch (err) {
    await stopRedis(child);
    throw err;
  }
  return child;
}

/**
 * A redis-server on a port free a moment ago. Another process may take the port between
 * freePort() and redis-server's bind; redis-server then exits, and a new port is tried.
 */
async function startRedisOnFreePort(extraArgs: string[] = []): Promise<{ redis: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { redis: await startRedis(port, extraArgs), port };
    } catch (err) {
      if (attempt === 5) throw err;
    }
  }
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
    ({ redis, port } = await startRedisOnFreePort());
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
    // The port was free a moment ago; if another process took it since, try another.
    for (let attempt = 1; ; attempt++) {
      relayPort = await freePort();
      try {
        await openRelay();
        break;
      } catch (err) {
        if (attempt === 5) throw err;
      }
    }
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

describe('the in-memory store at its entry limit', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { TESSERA_MEMORY_MAX_ENTRIES: '1000' } });
  });
  after(() => server?.close());

  test('hellos fill at most 80% of it and then answer 503; a pending finish and signed requests still succeed', async () => {
    const credential = await server.addTerminal('T-memory-full');
    assert.equal(await metricValue(server.admin, 'tessera_memory_store_max_entries'), 1000);
    // A session (1 entry) whose hello's replay guard stays (1 of the 800 entries hellos may use).
    const session = await handshake(server.url, credential);
    // Each hello adds two entries (its replay guard and its challenge): 399 more fill the rest.
    const first = await challengeFor(server.url, credential);
    for (let i = 1; i < 399; i++) assert.equal((await sendHello(server.url, credential)).answer.status, 200, `hello ${i}`);
    assert.equal(await metricValue(server.admin, 'tessera_memory_store_entries'), 800);
    // Anyone may send a hello, even for a terminal that does not exist.
    const refused = (await sendHello(server.url, { ...credential, terminalId: 'NOT-A-TERMINAL' })).answer;
    assertProblem(refused, 503, 'server.unavailable');
    assert.equal(refused.headers.get('retry-after'), '5');
    assertProblem((await sendHello(server.url, credential)).answer, 503, 'server.unavailable');
    // The room left is for everything else: signed requests (each remembers its nonce) and sessions.
    for (let i = 0; i < 5; i++) assert.equal((await sendSigned(signed(server.url, session, 'GET', '/v1/session'))).status, 200, `signed request ${i}`);
    assert.equal((await sendFinish(server.url, first.finish)).status, 200);
  });
});

describe('Redis at its maxmemory', { skip: redisServerMissing && 'needs the redis-server command' }, () => {
  let redis: ChildProcess;
  let server: TestServer;
  let admin: Redis;
  before(async () => {
    let port: number;
    ({ redis, port } = await startRedisOnFreePort(['--maxmemory-policy', 'noeviction']));
    admin = new Redis(`redis://127.0.0.1:${port}`);
    // 8 MB above what an empty Redis uses, 70% of it taken by a key that never expires: the
    // flood needs only about a thousand hellos to reach the 80% mark.
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    const max = used + 8_000_000;
    // In 10 kB keys, until Redis reports 70% (one big value would leave a query buffer of its
    // size behind for a while, and the allocator rounds sizes up).
    const usedNow = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    for (let i = 0; (await usedNow()) < 0.7 * max; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, k) => admin.set(`filler:${i + k}`, 'x'.repeat(10_000))));
    }
    await admin.config('SET', 'maxmemory', String(max));
    server = await startTestServer({ env: { TESSERA_REDIS_URL: `redis://127.0.0.1:${port}` } });
  });
  after(async () => {
    await server?.close();
    await admin?.quit();
    if (redis) await stopRedis(redis);
  });

  test('hellos stop at 80% of it (503); signed requests go on; a Redis that refuses writes is a 503 too', async () => {
    const credential = await server.addTerminal('T-redis-full');
    const session = await handshake(server.url, credential);
    const pending = await challengeFor(server.url, credential);
    // Hellos from 16 clients at once, until the first refusal (60 s at most).
    let accepted = 0;
    let refused: Awaited<ReturnType<typeof sendHello>>['answer'] | undefined;
    for (const deadline = Date.now() + 60_000; refused === undefined; ) {
      assert.ok(Date.now() < deadline, `no refusal after ${accepted} hellos in 60 s`);
      const answers = await Promise.all(Array.from({ length: 16 }, () => sendHello(server.url, credential)));
      for (const { answer } of answers) {
        if (answer.status === 200) accepted++;
        else refused ??= answer;
      }
    }
    assert.ok(accepted > 200, `only ${accepted} hellos before the first refusal`);
    assertProblem(refused!, 503, 'server.unavailable');
    assert.equal(refused!.headers.get('retry-after'), '5');
    const info = await admin.info('memory');
    const [used, max] = ['used_memory', 'maxmemory'].map((f) => Number(new RegExp(`^${f}:(\\d+)`, 'm').exec(info)?.[1]));
    assert.ok(used! < 0.95 * max!, `Redis is at ${used} of ${max}: hellos were not stopped short of full`);
    // What a terminal with a session adds still fits.
    for (let i = 0; i < 5; i++) assert.equal((await sendSigned(signed(server.url, session, 'GET', '/v1/session'))).status, 200, `signed request ${i}`);
    assert.equal((await sendFinish(server.url, pending.finish)).status, 200);
    // Redis refusing every write (OOM) answers 503 as well, not 500.
    await admin.config('SET', 'maxmemory', String(used! - 1_000_000));
    assertProblem(await sendSigned(signed(server.url, session, 'GET', '/v1/session')), 503, 'server.unavailable');
  });
});

describe('a Redis that evicts keys', { skip: redisServerMissing && 'needs the redis-server command' }, () => {
  test('one that refuses CONFIG (as managed services do) has its policy read from INFO memory', async () => {
    for (const [policy, starts] of [
      ['noeviction', true],
      ['volatile-lru', false],
    ] as const) {
      const { redis, port } = await startRedisOnFreePort(['--rename-command', 'CONFIG', '""', '--maxmemory-policy', policy]);
      try {
        const opened = await openEphemeralStore({ redisUrl: `redis://127.0.0.1:${port}` }).then(
          async (store) => {
            const warning = store.warning;
            await store.close();
            return { warning };
          },
          (err: unknown) => err,
        );
        if (starts) assert.deepEqual(opened, { warning: undefined }, policy);
        else assert.ok(isTesseraError(opened, 'config.invalid') && opened.message.includes(`maxmemory-policy ${policy}`), `${policy}: ${String(opened)}`);
      } finally {
        await stopRedis(redis);
      }
    }
  });

  test('one that will tell neither its policy nor its memory use is used, with warnings', async () => {
    const { redis, port } = await startRedisOnFreePort();
    const admin = new Redis(`redis://127.0.0.1:${port}`);
    try {
      await admin.call('ACL', 'SETUSER', 'tessera', 'on', 'nopass', '~*', '&*', '+@all', '-config', '-info', '+info|server');
      const store = await openEphemeralStore({ redisUrl: `redis://tessera@127.0.0.1:${port}` });
      try {
        assert.match(store.warning ?? '', /could not read maxmemory-policy of Redis at 127\.0\.0\.1:\d+ .*noeviction/);
        assert.match(store.warning ?? '', /could not read INFO memory of Redis at 127\.0\.0\.1:\d+; hellos are not stopped at 80% of its maxmemory/);
        assert.equal(await store.putIfAbsentThenPut('guard', 1000, 'key', 'v', 1000), true);
      } finally {
        await store.close();
      }
    } finally {
      await admin.quit();
      await stopRedis(redis);
    }
  });

  for (const policy of ['allkeys-lru', 'volatile-ttl']) {
    test(`is refused at start (maxmemory-policy ${policy})`, async () => {
      const { redis, port } = await startRedisOnFreePort(['--maxmemory-policy', policy]);
      try {
        const started = await startTestServer({ env: { TESSERA_REDIS_URL: `redis://127.0.0.1:${port}` } }).then(
          async (server) => {
            await server.close();
            return undefined;
          },
          (err: unknown) => err,
        );
        assert.ok(isTesseraError(started) && started.code === 'config.invalid', `the server ${started === undefined ? 'started' : `failed otherwise: ${String(started)}`}`);
        assert.match(started.message, new RegExp(`maxmemory-policy ${policy}.*noeviction`));
      } finally {
        await stopRedis(redis);
      }
    });
  }
});
