// Store outages are logged at error at once, then at most once a second per kind of failure,
// with the count of those left out written when the second ends; other 5xx are logged each time.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { EphemeralStoreFullError } from '../../src/server/ephemeral/types.ts';
import { LEFT_OUT_MESSAGE, OUTAGE_MESSAGE, OutageLog } from '../../src/server/http/outageLog.ts';
import { registerProblemDetails } from '../../src/server/http/problemDetails.ts';

function capture() {
  const lines: Array<{ message: string; leftOut: unknown; err: unknown }> = [];
  const log = { error: (object: Record<string, unknown>, message: string) => void lines.push({ message, leftOut: object['leftOut'], err: object['err'] }) };
  return { lines, log };
}

const refused = (port: number) => new Error('wrapped', { cause: Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), { code: 'ECONNREFUSED' }) });

test('one line at once, the rest of the second counted in one more line; a new second logs again', () => {
  let now = 10_000;
  const { lines, log } = capture();
  const outages = new OutageLog({ now: () => now });
  outages.report(log, refused(6379));
  for (let i = 0; i < 5; i++) {
    now += 100;
    outages.report(log, refused(6379));
  }
  assert.deepEqual(
    lines.map((l) => [l.message, l.leftOut]),
    [[OUTAGE_MESSAGE, undefined]],
  );
  outages.flushAll();
  assert.deepEqual(
    lines.map((l) => [l.message, l.leftOut]),
    [
      [OUTAGE_MESSAGE, undefined],
      [LEFT_OUT_MESSAGE, 5],
    ],
  );
  now += 600; // 1100 ms after the first line
  outages.report(log, refused(6379));
  now -= 5_000; // a clock stepped back does not silence the log
  outages.report(log, refused(6379));
  assert.equal(lines.length, 4);
  outages.flushAll();
  assert.equal(lines.length, 4, 'nothing left out');
});

test('a steady outage writes one line a second: the count line starts the next second', () => {
  let now = 0;
  const { lines, log } = capture();
  const outages = new OutageLog({ now: () => now });
  for (let second = 0; second < 3; second++) {
    for (let ms = 0; ms < 1000; ms += 100) {
      now = second * 1000 + ms + 1;
      outages.report(log, refused(6379));
    }
    now = (second + 1) * 1000 + 1;
    outages.flushAll(); // what the timer does as the second ends
  }
  assert.deepEqual(
    lines.map((l) => [l.message, l.leftOut]),
    [
      [OUTAGE_MESSAGE, undefined],
      [LEFT_OUT_MESSAGE, 9],
      [LEFT_OUT_MESSAGE, 10],
      [LEFT_OUT_MESSAGE, 10],
    ],
  );
});

test('kinds quiet for a second are forgotten, so the 33rd cause still gets its own line', () => {
  let now = 0;
  const { lines, log } = capture();
  const outages = new OutageLog({ now: () => now });
  for (let port = 1; port <= 32; port++) outages.report(log, refused(port));
  now = 2000;
  outages.report(log, refused(33));
  outages.report(log, refused(34));
  assert.equal(lines.length, 34);
  assert.match(((lines.at(-1)!.err as Error).cause as Error).message, /:34$/);
});

test('different causes are limited apart: one cannot hide the other', () => {
  const now = 0;
  const { lines, log } = capture();
  const outages = new OutageLog({ now: () => now });
  for (let i = 0; i < 50; i++) outages.report(log, refused(6379));
  outages.report(log, refused(5432));
  outages.report(log, new EphemeralStoreFullError('full'));
  assert.deepEqual(
    lines.map((l) => ((l.err as Error).cause as Error | undefined)?.message ?? (l.err as Error).message),
    ['connect ECONNREFUSED 127.0.0.1:6379', 'connect ECONNREFUSED 127.0.0.1:5432', 'full'],
  );
  outages.flushAll();
  assert.deepEqual(
    lines.slice(3).map((l) => l.leftOut),
    [49],
  );
});

test('the count of a second is written when that second ends, without waiting for the next failure', async () => {
  const { lines, log } = capture();
  const outages = new OutageLog({ intervalMs: 20 });
  outages.report(log, refused(6379));
  outages.report(log, refused(6379));
  outages.report(log, refused(6379));
  assert.equal(lines.length, 1);
  await sleep(100);
  assert.deepEqual(
    lines.map((l) => [l.message, l.leftOut]),
    [
      [OUTAGE_MESSAGE, undefined],
      [LEFT_OUT_MESSAGE, 2],
    ],
  );
});

test('over HTTP: a run of 503s writes one error line and one count; other failures one each', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({ loggerInstance: pino({ level: 'error' }, stream) as unknown as FastifyBaseLogger });
  const outages = new OutageLog({ now: () => 0 });
  registerProblemDetails(app, outages);
  app.get('/full', async () => {
    throw new EphemeralStoreFullError('the in-memory ephemeral store holds its limit');
  });
  app.get('/bug', async () => {
    throw new TypeError('a bug');
  });
  for (let i = 0; i < 20; i++) assert.equal((await app.inject({ method: 'GET', url: '/full' })).statusCode, 503);
  for (let i = 0; i < 2; i++) assert.equal((await app.inject({ method: 'GET', url: '/bug' })).statusCode, 500);
  outages.flushAll();
  await app.close();
  assert.deepEqual(
    lines.filter((l) => l['level'] === 50).map((l) => [l['msg'], (l['err'] as { type?: string } | undefined)?.type ?? l['cause'], l['leftOut']]),
    [
      [OUTAGE_MESSAGE, 'EphemeralStoreFullError', undefined],
      ['request failed', 'TypeError', undefined],
      ['request failed', 'TypeError', undefined],
      // the count line names the cause, without a stack
      [LEFT_OUT_MESSAGE, 'EphemeralStoreFullError: the in-memory ephemeral store holds its limit', 19],
    ],
  );
});
