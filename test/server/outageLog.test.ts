// Store outages are logged at error at most once a second, with a count of those left out;
// other 5xx are logged each time.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { EphemeralStoreFullError } from '../../src/server/ephemeral/types.ts';
import { OutageLog } from '../../src/server/http/outageLog.ts';
import { registerProblemDetails } from '../../src/server/http/problemDetails.ts';

test('the first outage is logged at once, then one line a second with how many were left out', () => {
  let now = 10_000;
  const lines: Array<{ leftOut: unknown; message: string }> = [];
  const log = { error: (object: Record<string, unknown>, message: string) => void lines.push({ leftOut: object['leftOut'], message }) };
  const outages = new OutageLog({ now: () => now });
  outages.report(log, new Error('down'));
  for (let i = 0; i < 5; i++) {
    now += 100;
    outages.report(log, new Error('down'));
  }
  assert.deepEqual(
    lines.map((l) => l.leftOut),
    [0],
  );
  now += 600; // 1100 ms after the first line
  outages.report(log, new Error('down'));
  now -= 5_000; // a clock stepped back does not silence the log
  outages.report(log, new Error('down'));
  assert.deepEqual(
    lines.map((l) => l.leftOut),
    [0, 5, 0],
  );
  assert.match(lines[0]!.message, /backing store is unavailable/);
});

test('over HTTP: a run of 503s writes one error line; other failures one each', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({ loggerInstance: pino({ level: 'error' }, stream) as unknown as FastifyBaseLogger });
  registerProblemDetails(app);
  app.get('/full', async () => {
    throw new EphemeralStoreFullError('the in-memory ephemeral store holds its limit');
  });
  app.get('/bug', async () => {
    throw new TypeError('a bug');
  });
  for (let i = 0; i < 20; i++) assert.equal((await app.inject({ method: 'GET', url: '/full' })).statusCode, 503);
  for (let i = 0; i < 2; i++) assert.equal((await app.inject({ method: 'GET', url: '/bug' })).statusCode, 500);
  await app.close();
  const errors = lines.filter((l) => l['level'] === 50);
  assert.deepEqual(
    errors.map((l) => [l['msg'], (l['err'] as { type?: string } | undefined)?.type]),
    [
      ['request failed: a backing store is unavailable (503); more within a second are counted in leftOut of the next line', 'EphemeralStoreFullError'],
      ['request failed', 'TypeError'],
      ['request failed', 'TypeError'],
    ],
  );
});
