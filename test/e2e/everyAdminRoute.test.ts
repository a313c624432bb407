// Every admin route, found in the server's own OpenAPI document rather than listed by hand, is
// an admin scope (src/server/http/adminAuth.ts): refused without the right bearer token as the
// same admin.unauthorized problem, before its body is parsed, and answered with no-store,
// refusals included. A plugin that forgets the scope fails here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './testServer.ts';

interface Operation {
  method: string;
  path: string;
  tags?: string[];
  security?: unknown;
}

describe('every admin route', () => {
  let server: TestServer;
  let operations: Operation[];
  before(async () => {
    server = await startTestServer();
    const doc = server.app.swagger() as { paths: Record<string, Record<string, { tags?: string[]; security?: unknown }>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, ...op })));
  });
  after(() => server.close());

  const adminOps = () => operations.filter((op) => op.path.startsWith('/v1/admin/'));
  const urlOf = (op: Operation) => server.url + op.path.replace(/\{[^}]+\}/g, 'X-1');
  // A broken body on every write: the guard must answer before any parser or validator.
  const send = (op: Operation, headers: Record<string, string>) =>
    fetch(urlOf(op), { method: op.method, headers: { ...headers, ...(op.method === 'GET' ? {} : { 'content-type': 'application/json' }) }, ...(op.method === 'GET' ? {} : { body: '{broken' }) });

  test('the admin routes are the ones documented as admin, with the bearer scheme', () => {
    const documented = operations.filter((op) => op.tags?.includes('admin'));
    assert.deepEqual(documented.map((op) => `${op.method} ${op.path}`).sort(), adminOps().map((op) => `${op.method} ${op.path}`).sort());
    // terminals 6, events 1, lots 4, bindings 4, code batches 5, updates 2
    assert.equal(adminOps().length, 22);
    for (const op of adminOps()) {
      assert.deepEqual(op.tags, ['admin'], `${op.method} ${op.path}`);
      assert.deepEqual(op.security, [{ adminToken: [] }], `${op.method} ${op.path}`);
    }
  });

  test('without the right token: 401 admin.unauthorized problem+json, no-store, whatever the body', async () => {
    const token = server.env['TESSERA_ADMIN_TOKEN']!;
    const variants: Array<[string, Record<string, string>]> = [
      ['no header', {}],
      ['wrong token', { authorization: `Bearer ${'x'.repeat(43)}` }],
      ['token prefix', { authorization: `Bearer ${token.slice(0, 10)}` }],
      ['basic scheme', { authorization: `Basic ${token}` }],
    ];
    for (const op of adminOps()) {
      for (const [name, headers] of variants) {
        const res = await send(op, headers);
        const what = `${op.method} ${op.path}, ${name}`;
        assert.equal(res.status, 401, what);
        assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8', what);
        assert.equal(res.headers.get('cache-control'), 'no-store', what);
        const { instance, ...problem } = (await res.json()) as Record<string, unknown>;
        assert.equal(typeof instance, 'string', what);
        assert.deepEqual(
          problem,
          {
            type: 'https://tessera.dev/errors/admin.unauthorized',
            title: 'Admin token missing or wrong',
            status: 401,
            code: 'admin.unauthorized',
            detail: 'a valid admin bearer token is required',
          },
          what,
        );
      }
    }
  });

  test('with the token: past the guard, and every answer (success or refusal) is no-store', async () => {
    for (const op of adminOps()) {
      const res = await send(op, { authorization: `Bearer ${server.env['TESSERA_ADMIN_TOKEN']}` });
      const what = `${op.method} ${op.path}: ${res.status}`;
      assert.notEqual(res.status, 401, what);
      assert.ok(res.status < 500, what);
      assert.equal(res.headers.get('cache-control'), 'no-store', what);
      await res.arrayBuffer();
    }
  });
});
