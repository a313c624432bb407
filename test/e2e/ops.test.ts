// Operations endpoints answer as documented: health, readiness, metrics, OpenAPI.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './testServer.ts';

describe('operations endpoints', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('/healthz and /readyz', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${server.url}/readyz`)).json(), { status: 'ready' });
  });

  test('/metrics exposes the handshake metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const name of ['tessera_handshakes_started_total', 'tessera_handshakes_succeeded_total', 'tessera_handshakes_failed_total', 'tessera_handshake_step_duration_seconds']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'));
    }
  });

  test('/openapi.json describes the API with its security schemes', async () => {
    const res = await fetch(`${server.url}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown>; components: { securitySchemes: Record<string, unknown> } };
    assert.match(doc.openapi, /^3\./);
    for (const path of ['/v1/auth/hello', '/v1/auth/finish', '/v1/session', '/v1/admin/terminals']) assert.ok(doc.paths[path], path);
    assert.ok(doc.components.securitySchemes['adminToken']);
    assert.ok(doc.components.securitySchemes['httpSignature']);
  });
});
