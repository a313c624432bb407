// The stores hold no subscriber identifier in plaintext: after binding, a swap and an admin
// lookup by number, the raw rows of every table (SQLite file or PostgreSQL schema) and
// every Redis value are searched for the numbers, ICCIDs, IMSIs and SE serials used.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { bind, facts, imsi, newTerminal, refusedWith, startBindingServer } from './bindingKit.ts';
import { type Backend, sharedAvailable, type TestServer } from './testServer.ts';

async function databaseDump(server: TestServer, backend: Backend): Promise<string> {
  const rows: unknown[] = [];
  if (backend === 'embedded') {
    const db = new SqliteDatabase(server.config.sqlitePath, { readonly: true });
    try {
      const tables = db.prepare(`select name from sqlite_master where type = 'table'`).all() as Array<{ name: string }>;
      for (const { name } of tables) rows.push(name, ...db.prepare(`select * from "${name}"`).all());
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: server.env['TESSERA_DATABASE_URL'] });
    await client.connect();
    try {
      const schema = server.env['TESSERA_DATABASE_SCHEMA']!;
      const tables = await client.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [schema]);
      for (const { table_name } of tables.rows) rows.push(table_name, ...(await client.query(`select * from "${schema}"."${table_name}"`)).rows);
    } finally {
      await client.end();
    }
  }
  return JSON.stringify(rows);
}

async function redisDump(server: TestServer): Promise<string> {
  const redis = new Redis(server.env['TESSERA_REDIS_URL']!);
  try {
    const values: string[] = [];
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${server.env['TESSERA_REDIS_PREFIX']}*`, 'COUNT', 1000);
      for (const key of keys) values.push(key, String(await redis.get(key).catch(() => '')));
      cursor = nextCursor;
    } while (cursor !== '0');
    return values.join('\n');
  } finally {
    redis.quit();
  }
}

for (const backend of ['embedded', 'shared'] as Backend[]) {
  describe(`stored identifiers (${backend})`, { skip: backend === 'shared' && !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, () => {
    test('no number, ICCID, IMSI or SE serial appears in the database or the ephemeral store', async () => {
      const server = await startBindingServer({ backend });
      try {
        const used = [facts(41), facts(42), { ...facts(43), iccid: facts(44).iccid, imsi: imsi(44) }];
        const a = await newTerminal(server, 'T-store-a', facts(41));
        const b = await newTerminal(server, 'T-store-b', facts(42));
        await bind(server, a);
        await bind(server, b);
        b.sim.set({ iccid: facts(44).iccid, imsi: imsi(44) });
        await refusedWith(b.binding.sensitive('POST', '/v1/secure/echo', { body: {} }), 'binding.sim_changed');
        await b.binding.register({ msisdn: facts(42).msisdn! }); // a pending registration with a live code
        assert.equal((await server.admin('GET', `/v1/admin/bindings?msisdn=${encodeURIComponent(facts(41).msisdn!)}`)).status, 200);

        const dump = await databaseDump(server, backend);
        assert.match(dump, /"msisdn_hash"/, 'the dump holds the bindings table');
        assert.match(dump, /binding\.mismatch/, 'and the event log');
        const stores = backend === 'shared' ? [dump, await redisDump(server)] : [dump];
        for (const text of stores) {
          for (const f of used) {
            const number = f.msisdn!;
            for (const secret of [number, number.slice(1), `0${number.slice(3)}`, number.slice(-8), f.iccid, f.iccid.slice(0, 12), f.imsi, f.imsi.slice(-10), f.seSerial]) {
              assert.equal(text.includes(secret), false, `${secret} is stored in plaintext`);
            }
          }
        }
        assert.match(dump, new RegExp(facts(41).msisdn!.slice(-4)), 'the last four digits are kept for display');
      } finally {
        await server.close();
      }
    });
  });
}
