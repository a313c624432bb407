// Operations endpoints answer as documented: health, readiness, metrics (behind the admin or
// metrics token, counting what happened), OpenAPI.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { assertProblem, challengeFor, handshake, metricValue, send, sendFinish, sendHello } from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const METRICS_TOKEN = 'metrics-'.repeat(5);

describe('operations endpoints', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { TESSERA_METRICS_TOKEN: METRICS_TOKEN } });
  });
  after(() => server.close());

  test('/healthz and /readyz', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${server.url}/readyz`)).json(), { status: 'ready' });
  });

  test('/metrics answers only the admin token or the metrics token', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${'x'.repeat(40)}` }, { authorization: `Basic ${METRICS_TOKEN}` }]) {
      assertProblem(await send(`${server.url}/metrics`, { headers }), 401, 'admin.unauthorized', JSON.stringify(headers));
    }
    const answer = await send(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/plain/);
    for (const name of ['tessera_handshakes_started_total', 'tessera_handshakes_succeeded_total', 'tessera_handshakes_failed_total', 'tessera_handshake_step_duration_seconds']) {
      assert.match(answer.text, new RegExp(`^# TYPE ${name} `, 'm'));
    }
    // The metrics token opens nothing else.
    assertProblem(await send(`${server.url}/v1/admin/terminals`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }), 401, 'admin.unauthorized');
  });

  test('/metrics counts handshakes started, succeeded and refused by reason, and times both outcomes', async () => {
    const value = (sample: string) => metricValue(server.admin, sample);
    const samples = [
      'tessera_handshakes_started_total',
      'tessera_handshakes_succeeded_total',
      'tessera_handshakes_failed_total{reason="bad_proof"}',
      'tessera_handshakes_failed_total{reason="unknown_terminal"}',
      'tessera_handshake_step_duration_seconds_count{step="finish",outcome="ok"}',
      'tessera_handshake_step_duration_seconds_count{step="finish",outcome="refused"}',
    ];
    const before = await Promise.all(samples.map(value));
    const credential = await server.addTerminal('T-metrics');
    await handshake(server.url, credential);
    const wrong = await challengeFor(server.url, credential);
    assertProblem(await sendFinish(server.url, { challengeId: wrong.challenge.challengeId, terminalProof: toBase64Url(p.randomBytes(32)) }), 401, 'auth.refused');
    const unknown = await sendHello(server.url, { ...credential, terminalId: 'T-metrics-nobody' });
    assertProblem(await sendFinish(server.url, { challengeId: unknown.challenge!.challengeId, terminalProof: toBase64Url(p.randomBytes(32)) }), 401, 'auth.refused');
    const after = await Promise.all(samples.map(value));
    assert.deepEqual(
      Object.fromEntries(samples.map((s, i) => [s, after[i]! - before[i]!])),
      Object.fromEntries(samples.map((s, i) => [s, [3, 1, 1, 1, 1, 2][i]])),
    );
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
