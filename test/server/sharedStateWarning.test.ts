// PostgreSQL with in-memory ephemeral state: one process is safe, a second is not (used
// nonces and counters are not shared), and the server says so when it starts.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loadSettings } from '../../src/server/config/loadSettings.ts';
import { sharedStateWarning } from '../../src/server/config/sharedStateWarning.ts';
import { startServer } from '../../src/server/startServer.ts';
import { deploymentEnv, sharedAvailable } from '../e2e/testServer.ts';

test('the warning is given for PostgreSQL without Redis only', () => {
  assert.match(sharedStateWarning({ databaseUrl: 'postgres://db/t', redisUrl: undefined }) ?? '', /TESSERA_REDIS_URL is not/);
  assert.equal(sharedStateWarning({ databaseUrl: 'postgres://db/t', redisUrl: 'redis://r' }), undefined);
  assert.equal(sharedStateWarning({ databaseUrl: undefined, redisUrl: undefined }), undefined, 'SQLite is one process anyway');
  assert.equal(sharedStateWarning({ databaseUrl: undefined, redisUrl: 'redis://r' }), undefined);
});

test('a server started on PostgreSQL without Redis logs it at warn', { skip: sharedAvailable ? false : 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, async () => {
  const { env, cleanup } = deploymentEnv('shared');
  delete env['TESSERA_REDIS_URL'];
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  try {
    const server = await startServer(loadSettings({ ...env, TESSERA_PORT: '0' }), { logger: { level: 'warn', stream } });
    await server.close();
  } finally {
    await cleanup();
  }
  const warned = lines.filter((l) => l.level === 40 && /TESSERA_REDIS_URL is not/.test(l.msg));
  assert.equal(warned.length, 1, JSON.stringify(lines));
});
