// Which thrown errors count as a store outage (503 server.unavailable) and which stay a 500:
// the shapes node-postgres, ioredis and better-sqlite3 throw, and look-alikes that are bugs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EphemeralStoreFullError } from '../../src/server/ephemeral/types.ts';
import { isBackendOutage } from '../../src/server/http/backendOutage.ts';
import { toTesseraError } from '../../src/server/http/problemDetails.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const named = (message: string, name: string) => Object.assign(new Error(message), { name });

test('store outages are recognised, also as the cause of another error', () => {
  const outages: Array<[string, unknown]> = [
    ['refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['both addresses of localhost refused (node-postgres)', new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNREFUSED')], '')],
    ['PostgreSQL shutting down', withCode('terminating connection due to administrator command', '57P01')],
    ['PostgreSQL starting', withCode('the database system is starting up', '57P03')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['connection failure', withCode('connection failure', '08006')],
    ['node-postgres lost its connection', new Error('Connection terminated unexpectedly')],
    ['pool wait timed out', new Error('timeout exceeded when trying to connect')],
    ['ioredis gave up while reconnecting', named('Reached the max retries per request limit (which is 2).', 'MaxRetriesPerRequestError')],
    ['ioredis closed', new Error('Connection is closed.')],
    ['SQLite locked', withCode('database is locked', 'SQLITE_BUSY')],
    ['SQLite disk full', withCode('database or disk is full', 'SQLITE_FULL')],
    ['SQLite I/O error', withCode('disk I/O error', 'SQLITE_IOERR_WRITE')],
    ['wrapped by a query builder', new Error('query failed', { cause: withCode('x', 'ECONNRESET') })],
    ['Redis at maxmemory with noeviction', named("OOM command not allowed when used memory > 'maxmemory'.", 'ReplyError')],
    ['Redis loading its data', named('LOADING Redis is loading the dataset in memory', 'ReplyError')],
    [
      'Redis 6 at maxmemory, inside a Lua script',
      named("ERR Error running script (call to f_0123abcd): @user_script:2: @user_script: 2: -OOM command not allowed when used memory > 'maxmemory'. ", 'ReplyError'),
    ],
    ['the in-memory store at its limit', new EphemeralStoreFullError('full')],
  ];
  for (const [what, err] of outages) {
    assert.equal(isBackendOutage(err), true, what);
    const mapped = toTesseraError(err);
    assert.equal(mapped.code, 'server.unavailable', what);
    assert.equal(mapped.status, 503, what);
    assert.equal(mapped.retryAfterSeconds, 5, what);
  }
});

test('bugs and refusals are not outages', () => {
  const others: Array<[string, unknown]> = [
    ['unique violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['SQL syntax error', withCode('syntax error at or near "SELEC"', '42601')],
    ['SQLite constraint', withCode('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_PRIMARYKEY')],
    ['SQLITE_BUSYNESS is not a code', withCode('x', 'SQLITE_BUSYNESS')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a Redis reply error', named('WRONGTYPE Operation against a key holding the wrong kind of value', 'ReplyError')],
    ['OOM in a message that is not a Redis reply', new Error('OOM command not allowed')],
    ['a Redis reply that only starts like OOM', named('OOMPH unknown command', 'ReplyError')],
    ['a Lua script error of another kind', named('ERR Error running script (call to f_0123abcd): @user_script:2: WRONGTYPE Operation against a key', 'ReplyError')],
    ['a Redis BUSYKEY reply', named('BUSYKEY Target key name already exists.', 'ReplyError')],
    ['a script error with an outage word inside another', named('ERR Error running script (call to f_0123abcd): @user_script:2: -NOTBUSY thing', 'ReplyError')],
    ['a script error with an outage word inside a word', named('ERR Error running script (call to f_0123abcd): @user_script:2: ZOOM lens', 'ReplyError')],
    ['not an object', 'ECONNREFUSED'],
    ['a cause chain too deep to follow', [1, 2, 3, 4, 5, 6].reduce<unknown>((cause) => new Error('wrapped', { cause }), withCode('x', 'ECONNREFUSED'))],
  ];
  for (const [what, err] of others) {
    assert.equal(isBackendOutage(err), false, what);
    assert.equal(toTesseraError(err).code, 'server.internal', what);
  }
});
