// The lazy request logger: a request that logs nothing builds no pino child; one that logs
// writes exactly what a real child writes (its reqId, the parent's redaction), at the levels
// the parent allows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { serverLoggerOptions } from '../../src/server/app.ts';
import { loadSettings } from '../../src/server/config/loadSettings.ts';
import { startServer } from '../../src/server/startServer.ts';
import { AccessLogController } from '../../src/server/http/accessLog.ts';
import { lazyChildLoggerFactory } from '../../src/server/http/requestLogger.ts';

function appWith(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level, redact: { paths: ['*.key'], censor: '[redacted]' } }, stream);
  let children = 0;
  // Counted on the root; pino children inherit it through their prototype, so `this` is
  // whichever logger the child is made from.
  const child = logger.child;
  logger.child = function (this: typeof logger, ...args: Parameters<typeof child>) {
    children++;
    return child.apply(this, args);
  } as typeof logger.child;
  // As the server builds it: Fastify's own request lines off, the one access line on.
  const accessLog = new AccessLogController();
  const app = Fastify({ loggerInstance: logger as unknown as FastifyBaseLogger, childLoggerFactory: lazyChildLoggerFactory, logController: accessLog });
  accessLog.attach(app.log);
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/quiet-route', { logLevel: 'warn' }, async () => ({ ok: true }));
  app.get('/chatty-route', { logLevel: 'debug' }, async () => ({ ok: true }));
  app.get('/warns', async (request) => {
    request.log.info({ detail: { key: 'secret-info' } }, 'info line');
    request.log.warn({ detail: { key: 'secret-warn' } }, 'warn line');
    request.log.warn('second warn line');
    return { ok: true };
  });
  return {
    app,
    lines,
    children: () => children,
    /** Ready the app, then count only the children requests make. */
    async ready() {
      await app.ready();
      children = 0;
    },
  };
}

/** A stream that keeps each line written to it. */
function lineSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

/** Runs `use` against a real server on embedded defaults logging with `logger(stream)`; returns its log lines, parsed. */
async function serverLogs(logger: (stream: Writable) => Record<string, unknown>, use: (url: string) => Promise<void>): Promise<Array<Record<string, unknown>>> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-log-'));
  const { lines, stream } = lineSink();
  const server = await startServer(loadSettings({ TESSERA_DATA_DIR: dir, TESSERA_PORT: '0', TESSERA_ADMIN_TOKEN: 'a'.repeat(40) }), { logger: logger(stream) });
  try {
    await use(server.url);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('at warn, requests that log nothing build no child logger', async () => {
  const { app, lines, children, ready } = appWith('warn');
  await ready();
  for (let i = 0; i < 3; i++) assert.equal((await app.inject({ method: 'GET', url: '/quiet' })).statusCode, 200);
  assert.equal(children(), 0);
  assert.deepEqual(lines, []);
  await app.close();
});

test('a warn line is written once the level allows it, with the request id and redaction', async () => {
  const { app, lines, children, ready } = appWith('warn');
  await ready();
  await app.inject({ method: 'GET', url: '/warns' });
  assert.equal(children(), 1, 'one child per request, made on the first enabled line');
  assert.deepEqual(
    lines.map((l) => l['msg']),
    ['warn line', 'second warn line'],
  );
  for (const line of lines) assert.equal(line['reqId'], 'req-1');
  assert.deepEqual(lines[0]!['detail'], { key: '[redacted]' });
  assert.ok(!JSON.stringify(lines).includes('secret'));
  await app.close();
});

test('at info, each request writes one access line, after the route\'s own lines and with the same request id', async () => {
  const { app, lines } = appWith('info');
  await app.inject({ method: 'GET', url: '/warns' });
  await app.inject({ method: 'GET', url: '/quiet?x=1' });
  assert.deepEqual(
    lines.map((l) => [l['reqId'], l['msg']]),
    [
      ['req-1', 'info line'],
      ['req-1', 'warn line'],
      ['req-1', 'second warn line'],
      ['req-1', 'request completed'],
      ['req-2', 'request completed'],
    ],
  );
  const access = lines.at(-1)!;
  assert.deepEqual(access['req'], { method: 'GET', url: '/quiet?x=1', host: 'localhost:80', remoteAddress: '127.0.0.1' });
  assert.deepEqual(access['res'], { statusCode: 200 });
  assert.equal(typeof access['responseTime'], 'number');
  assert.ok(!JSON.stringify(lines).includes('secret'));
  await app.close();
});

test('the access line needs no child logger of its own, and a route with its own level writes it at that level', async () => {
  const { app, lines, children, ready } = appWith('info');
  await ready();
  await app.inject({ method: 'GET', url: '/quiet' });
  assert.equal(children(), 0, 'the access line goes through the one child made when the app started');
  assert.deepEqual(
    lines.map((l) => [l['reqId'], l['msg'], (l['req'] as { url: string }).url]),
    [['req-1', 'request completed', '/quiet']],
  );
  await app.inject({ method: 'GET', url: '/quiet-route' });
  assert.equal(lines.length, 1, 'a route at warn writes no access line');
  await app.inject({ method: 'GET', url: '/chatty-route' });
  assert.deepEqual(lines.map((l) => [l['reqId'], l['msg']]).at(-1), ['req-3', 'request completed']);
  await app.close();
});

test('at debug, a request also writes a line when it arrives', async () => {
  const { app, lines } = appWith('debug');
  await app.inject({ method: 'GET', url: '/quiet' });
  assert.deepEqual(
    lines.map((l) => [l['reqId'], l['msg']]),
    [
      ['req-1', 'incoming request'],
      ['req-1', 'request completed'],
    ],
  );
  await app.close();
});

test('request.log.child and level work through the stand-in', async () => {
  const { app, lines } = appWith('warn');
  app.get('/child', async (request) => {
    assert.equal(request.log.level, 'warn');
    request.log.child({ step: 'inner' }).error('from a grandchild');
    return {};
  });
  await app.inject({ method: 'GET', url: '/child' });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!['reqId'], 'req-1');
  assert.equal(lines[0]!['step'], 'inner');
  await app.close();
});

test('a route with its own log level gets a real child at once, at that level', async () => {
  const { app, lines, children, ready } = appWith('warn');
  app.get('/chatty', { logLevel: 'debug' }, async (request) => {
    request.log.debug('debug line');
    return {};
  });
  await ready();
  await app.inject({ method: 'GET', url: '/chatty' });
  assert.equal(children(), 1);
  assert.ok(lines.some((l) => l['msg'] === 'debug line' && l['reqId'] === 'req-1'));
  await app.close();
});

test("the server's request logs mask a phone number in the query string to its last four digits", async () => {
  const { lines, stream } = lineSink();
  const app = Fastify({ logger: { ...serverLoggerOptions('info'), stream }, childLoggerFactory: lazyChildLoggerFactory, logController: new AccessLogController() });
  app.get('/v1/admin/bindings', async () => ({ bindings: [] }));
  await app.inject({ method: 'GET', url: '/v1/admin/bindings?limit=5&msisdn=%2B447400123456&status=active' });
  await app.inject({ method: 'GET', url: '/v1/admin/bindings?MSISDN=447400123456' });
  await app.inject({ method: 'GET', url: '/v1/admin/bindings?msisdn=%2B4474001234%ZZ' }); // not decodable: every digit masked
  await app.inject({ method: 'GET', url: '/v1/admin/bindings?msisdn=%2B44%207400%20123456' });
  await app.inject({ method: 'GET', url: '/v1/admin/bindings?msisdn=%2B44(0)7400.123-456' });
  await app.inject({ method: 'GET', url: '/v1/admin/bindings?status=active' });
  // the key percent-encoded, as Fastify's query parser still reads it as msisdn
  await app.inject({ method: 'GET', url: '/v1/admin/bindings?%6Dsisdn=%2B447400123456&ms%69sdn=447400123456&x=1' });
  await app.close();
  const urls = lines.map((l) => JSON.parse(l) as { msg: string; req?: { url: string } }).filter((l) => l.msg === 'request completed').map((l) => l.req?.url);
  assert.deepEqual(urls, [
    '/v1/admin/bindings?limit=5&msisdn=+••••••••3456&status=active',
    '/v1/admin/bindings?MSISDN=••••••••3456',
    '/v1/admin/bindings?msisdn=%•B••••••••••%ZZ',
    '/v1/admin/bindings?msisdn=+••••••••3456',
    '/v1/admin/bindings?msisdn=+•••••••••3456',
    '/v1/admin/bindings?status=active',
    '/v1/admin/bindings?%6Dsisdn=+••••••••3456&ms%69sdn=••••••••3456&x=1',
  ]);
  for (const line of lines) assert.doesNotMatch(line, /447400123456|7400123/);
});

test("the server's logs redact every secret path, in request headers and in logged objects", () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  // Without the request serializer (which logs no header at all), so the redaction paths themselves are what is tested.
  const logger = pino({ ...serverLoggerOptions('info'), serializers: {} }, stream);
  const secrets = { authorization: 'Bearer admin-secret-1', signature: 'sig1=:c2VjcmV0LTI=:', cookie: 's=secret-3' };
  logger.info({ req: { headers: { ...secrets, host: 'h' } } }, 'headers');
  logger.info({ detail: { key: 'secret-4', adminToken: 'secret-5', terminalProof: 'secret-6', serverProof: 'secret-7', credential: 'secret-8', masterKey: 'secret-9', terminalId: 'T-1' } }, 'objects');
  const text = lines.join('');
  for (const secret of ['admin-secret-1', 'c2VjcmV0LTI', 'secret-3', 'secret-4', 'secret-5', 'secret-6', 'secret-7', 'secret-8', 'secret-9']) assert.ok(!text.includes(secret), secret);
  const [headers, objects] = lines.map((l) => JSON.parse(l) as Record<string, Record<string, Record<string, string>>>);
  assert.equal(headers!['req']!['headers']!['authorization'], '[redacted]');
  assert.equal(headers!['req']!['headers']!['host'], 'h', 'the rest stays');
  assert.equal(objects!['detail']!['masterKey'], '[redacted]');
  assert.equal(objects!['detail']!['terminalId'], 'T-1');
});

test("with the server's own logger options, the access line holds the serializers' fields and nothing of the headers", async () => {
  const { lines, stream } = lineSink();
  const logger = pino(serverLoggerOptions('info'), stream);
  const accessLog = new AccessLogController();
  const app = Fastify({ loggerInstance: logger as unknown as FastifyBaseLogger, childLoggerFactory: lazyChildLoggerFactory, logController: accessLog });
  accessLog.attach(app.log);
  app.get('/v1/session', async () => ({ ok: true }));
  await app.inject({
    method: 'GET',
    url: '/v1/session?msisdn=%2B447400123456',
    headers: { authorization: 'Bearer SECRET-A', cookie: 's=SECRET-C', signature: 'sig1=:U0VDUkVULVM=:', 'signature-input': 'sig1=();keyid="SECRET-K"', 'request-id': 'SECRET-R', 'accept-version': '1' },
  });
  await app.close();
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(line).sort(), ['hostname', 'level', 'msg', 'pid', 'req', 'reqId', 'res', 'responseTime', 'time']);
  assert.equal(line['reqId'], 'req-1');
  assert.deepEqual(line['req'], { method: 'GET', url: '/v1/session?msisdn=+••••••••3456', version: '1', host: 'localhost:80', remoteAddress: '127.0.0.1' });
  assert.deepEqual(line['res'], { statusCode: 200 });
  assert.doesNotMatch(lines[0]!, /SECRET|447400123456/);
});

test('an app built with other logger options keeps redaction on its access line', async () => {
  // An embedder whose request serializer logs headers, and whose redaction covers them.
  const serializers = { req: (r: { method: string; headers: unknown }) => ({ method: r.method, headers: r.headers }) };
  const lines = await serverLogs(
    (stream) => ({ level: 'info', stream, redact: ['req.headers.authorization'], serializers }),
    async (url) => void (await fetch(`${url}/healthz`, { headers: { authorization: 'Bearer SECRET-A' } })),
  );
  const access = lines.find((l) => l['msg'] === 'request completed') as { req?: { headers?: Record<string, string> } } | undefined;
  assert.equal(access?.req?.headers?.['authorization'], '[Redacted]');
  assert.doesNotMatch(JSON.stringify(lines), /SECRET-A/);
});

test('a request refused before routing (a URL that cannot be decoded, an over-long segment) has its access line too', async () => {
  const paths = ['/v1/admin/terminals/%zz', `/v1/admin/terminals/${'x'.repeat(200)}?msisdn=%2B447400123456`];
  const lines = await serverLogs(
    (stream) => ({ ...serverLoggerOptions('info'), stream }),
    async (url) => {
      for (const path of paths) assert.equal((await fetch(url + path)).status, 400);
    },
  );
  const access = lines.filter((l) => l['msg'] === 'request completed') as Array<{ req?: { url: string }; res?: { statusCode: number } }>;
  assert.deepEqual(
    access.map((l) => [l.req?.url, l.res?.statusCode]),
    [
      [paths[0], 400],
      [`/v1/admin/terminals/${'x'.repeat(200)}?msisdn=+••••••••3456`, 400],
    ],
  );
});

test('a request node:http cannot parse leaves a line with the address and the reason', async () => {
  const lines = await serverLogs(
    (stream) => ({ ...serverLoggerOptions('info'), stream }),
    async (url) => {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.write('NOT A REQUEST\r\n\r\n'));
        let text = '';
        socket.on('data', (d) => {
          text += String(d);
        });
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      assert.match(answer, /^HTTP\/1\.1 400 /);
    },
  );
  const refused = lines.filter((l) => l['msg'] === 'refused a request node:http could not parse');
  assert.equal(refused.length, 1);
  assert.equal(refused[0]!['remoteAddress'], '127.0.0.1');
  assert.equal(refused[0]!['code'], 'input.malformed_request');
  assert.equal(typeof refused[0]!['parseError'], 'string');
});
