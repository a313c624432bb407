// The code-batch admin API over real HTTP, and what the database holds: codes shown once
// (no-store), listed only as counts, refused batch inputs; the raw rows (and, on SQLite, the
// database files byte for byte) hold no code in any form. Embedded always, PostgreSQL + Redis
// when configured.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { normalizeCrockford } from '../../src/protocol/activation/crockfordBase32.ts';
import { parseActivationCode } from '../../src/protocol/activation/activationCode.ts';
import { clientFor, issueCodes, openServerStore, provisionTerminals } from './activationKit.ts';
import { type Backend, sharedAvailable, startTestServer, type TestServer } from './testServer.ts';

for (const backend of ['embedded', 'shared'] as Backend[]) {
  describe(`code batches (${backend})`, { skip: backend === 'shared' && !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ backend, env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false' } });
    });
    after(() => server.close());

    test('issuing answers the codes once, with Cache-Control no-store; the list shows counts only', async () => {
      const res = await server.admin('POST', '/v1/admin/code-batches', { batch: 'B-show', count: 25, product: 'basic-12m', expiresAt: '2099-12-31T23:59:59Z' });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = (await res.json()) as { batch: Record<string, unknown>; codes: string[] };
      assert.equal(body.codes.length, 25);
      assert.equal(new Set(body.codes).size, 25);
      for (const code of body.codes) assert.equal(parseActivationCode(code).text, code);
      assert.deepEqual(body.batch['counts'], { issued: 25, used: 0, revoked: 0, expired: 0 });
      assert.equal(body.batch['expiresAt'], '2099-12-31T23:59:59.000Z');

      const list = await server.admin('GET', '/v1/admin/code-batches');
      assert.equal(list.headers.get('cache-control'), 'no-store');
      const text = await list.text();
      const parsed = JSON.parse(text) as { batches: Array<{ id: string; counts: unknown }> };
      assert.deepEqual(parsed.batches.find((b) => b.id === 'B-show')?.counts, { issued: 25, used: 0, revoked: 0, expired: 0 });
      for (const code of body.codes) assert.ok(!text.includes(code.slice(0, 9)), 'no code in the list');
      const one = await (await server.admin('GET', '/v1/admin/code-batches/B-show')).text();
      for (const code of body.codes) assert.ok(!one.includes(code.slice(0, 9)));
    });

    test('bad batch requests are refused with precise codes', async () => {
      const problem = async (res: Response) => [res.status, ((await res.json()) as { code: string }).code];
      await issueCodes(server, 'B-dup', 1);
      assert.deepEqual(await problem(await server.admin('POST', '/v1/admin/code-batches', { batch: 'B-dup', count: 1, product: 'p' })), [409, 'activation.batch_exists']);
      assert.deepEqual(await problem(await server.admin('POST', '/v1/admin/code-batches', { batch: 'B-big', count: 100_001, product: 'p' })), [400, 'input.invalid']);
      assert.deepEqual(await problem(await server.admin('POST', '/v1/admin/code-batches', { batch: 'B-zero', count: 0, product: 'p' })), [400, 'input.invalid']);
      assert.deepEqual(await problem(await server.admin('POST', '/v1/admin/code-batches', { batch: 'B,comma', count: 1, product: 'p' })), [400, 'input.invalid']);
      assert.deepEqual(await problem(await server.admin('POST', '/v1/admin/code-batches', { batch: 'B-past', count: 1, product: 'p', expiresAt: '2001-01-01' })), [400, 'input.invalid']);
      assert.deepEqual(await problem(await server.admin('POST', '/v1/admin/code-batches', { batch: 'B-junk', count: 1, product: 'p', expiresAt: 'next tuesday' })), [400, 'input.invalid']);
      // Past the end of year 9999 in UTC (an offset carries it there): such codes would be born expired.
      assert.deepEqual(await problem(await server.admin('POST', '/v1/admin/code-batches', { batch: 'B-y10k', count: 1, product: 'p', expiresAt: '9999-12-31T23:00:00-02:00' })), [400, 'input.invalid']);
      const lastDay = await server.admin('POST', '/v1/admin/code-batches', { batch: 'B-y9999', count: 1, product: 'p', expiresAt: '9999-12-31T23:00:00+02:00' });
      assert.equal(lastDay.status, 201);
      assert.equal(((await lastDay.json()) as { batch: { expiresAt: string } }).batch.expiresAt, '9999-12-31T21:00:00.000Z');
      // Days that do not exist are refused, not rolled over into the next month.
      for (const expiresAt of ['2099-02-30', '2099-02-29', '2099-04-31T12:00:00Z', '2099-13-01', '2099-00-10', '2099-01-00']) {
        assert.deepEqual(await problem(await server.admin('POST', '/v1/admin/code-batches', { batch: 'B-nodate', count: 1, product: 'p', expiresAt })), [400, 'input.invalid'], expiresAt);
      }
      const leap = await server.admin('POST', '/v1/admin/code-batches', { batch: 'B-leap', count: 1, product: 'p', expiresAt: '2096-02-29' });
      assert.equal(leap.status, 201);
      assert.equal(((await leap.json()) as { batch: { expiresAt: string } }).batch.expiresAt, '2096-02-29T00:00:00.000Z');
      assert.deepEqual(await problem(await server.admin('GET', '/v1/admin/code-batches/B-none')), [404, 'activation.batch_not_found']);
      assert.deepEqual(await problem(await server.admin('POST', '/v1/admin/code-batches/B-none/revoke')), [404, 'activation.batch_not_found']);
      const anonymous = await fetch(`${server.url}/v1/admin/code-batches`);
      assert.equal(anonymous.status, 401);
    });

    test('the database holds no plaintext code: raw rows of every table, and the SQLite files byte for byte', async () => {
      const codes = await issueCodes(server, 'B-raw', 40);
      const [credential] = await provisionTerminals(server, ['T-raw']);
      await clientFor(server, credential!).activate(codes[3]!); // a used code, with its events
      await clientFor(server, credential!)
        .activate(codes[4]!)
        .catch(() => {}); // a refused one
      const forms = codes.flatMap((c) => {
        const data = normalizeCrockford(c).slice(0, 16);
        return [c, data, data.toLowerCase(), c.replace(/-/g, '')];
      });
      const store = await openServerStore(server);
      try {
        for (const table of ['activation_codes', 'activation_batches', 'security_events', 'terminals']) {
          const rows = (await sql.raw<Record<string, unknown>>(`select * from ${table}`).execute(store.db)).rows;
          assert.ok(rows.length > 0, table);
          const dump = JSON.stringify(rows);
          for (const form of forms) assert.ok(!dump.includes(form), `${table} holds a code`);
        }
        const [row] = (await sql.raw<Record<string, unknown>>(`select * from activation_codes where used_by = 'T-raw'`).execute(store.db)).rows;
        assert.equal(typeof row?.['code_hash'], 'string');
        assert.match(String(row?.['code_hash']), /^[A-Za-z0-9_-]{43}$/, 'a base64url HMAC-SHA256');
        assert.equal(Number(row?.['hash_kid']), 1);
      } finally {
        await store.close();
      }
      if (backend === 'embedded') {
        const path = server.config.sqlitePath;
        const bytes = [path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p).toString('latin1'));
        assert.ok(bytes.length > 0);
        for (const form of forms) for (const b of bytes) assert.ok(!b.includes(form), 'a code is in the SQLite files');
      }
    });
  });
}

describe('a full batch (embedded)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false' } });
  });
  after(() => server.close());

  test('100000 codes are issued in one request, all distinct, and counted', async () => {
    const codes = await issueCodes(server, 'B-full', 100_000);
    assert.equal(codes.length, 100_000);
    assert.equal(new Set(codes).size, 100_000);
    const res = await server.admin('GET', '/v1/admin/code-batches/B-full');
    assert.deepEqual(((await res.json()) as { counts: unknown }).counts, { issued: 100_000, used: 0, revoked: 0, expired: 0 });
  });
});
