// A deployment on PostgreSQL whose ephemeral state or keys are this process's own: one process
// is fine, a second is not (used nonces and counters are not shared; keys made per data dir
// differ), and the server says so when it starts.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { deploymentWarnings } from '../../src/server/config/deploymentWarnings.ts';
import { loadSettings } from '../../src/server/config/loadSettings.ts';
import { startServer } from '../../src/server/startServer.ts';
import { deploymentEnv, sharedAvailable } from '../e2e/testServer.ts';

const shared = { databaseUrl: 'postgres://db/t', redisUrl: 'redis://r', masterKey: `1:${'A'.repeat(43)}`, updateKey: 'B'.repeat(43) };

test('the warnings: PostgreSQL without Redis, and PostgreSQL with keys from the data dir', () => {
  assert.deepEqual(deploymentWarnings(shared), []);
  const noRedis = deploymentWarnings({ ...shared, redisUrl: undefined });
  assert.equal(noRedis.length, 1);
  assert.match(noRedis[0]!, /TESSERA_REDIS_URL is not/);
  assert.match(deploymentWarnings({ ...shared, updateKey: undefined })[0]!, /but TESSERA_UPDATE_KEY is not: this process uses the key files/);
  assert.match(deploymentWarnings({ ...shared, masterKey: undefined, updateKey: undefined })[0]!, /but TESSERA_MASTER_KEY and TESSERA_UPDATE_KEY are not/);
  assert.equal(deploymentWarnings({ databaseUrl: undefined, redisUrl: undefined, masterKey: undefined, updateKey: undefined }).length, 0, 'SQLite is one process anyway');
});

test('a server started on PostgreSQL without Redis, its keys from its data dir, logs both at warn', { skip: sharedAvailable ? false : 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, async () => {
  const { env, cleanup } = deploymentEnv('shared');
  delete env['TESSERA_REDIS_URL'];
  delete env['TESSERA_UPDATE_KEY'];
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
  const warned = lines.filter((l) => l.level === 40).map((l) => l.msg);
  assert.equal(warned.filter((m) => /TESSERA_REDIS_URL is not/.test(m)).length, 1, JSON.stringify(lines));
  assert.equal(warned.filter((m) => /TESSERA_UPDATE_KEY is not/.test(m)).length, 1, JSON.stringify(lines));
});
