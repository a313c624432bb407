// Lifecycle over real HTTP: an operator restricts a terminal (its live session drops to
// update-only at once) and restores it; states that cannot move are refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { startTestServer, type TestServer } from './testServer.ts';

describe('terminal lifecycle', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('restrict takes effect on a live session; restore gives it back', async () => {
    const client = new TerminalClient({ credential: await server.addTerminal('T-life'), primitives: nodePrimitives });
    await client.login();
    assert.equal((await client.request('GET', '/v1/session')).status, 200);
    const restricted = await server.admin('POST', '/v1/admin/terminals/T-life/restrict');
    assert.equal(((await restricted.json()) as { status: string }).status, 'restricted');
    await assert.rejects(client.request('GET', '/v1/session'), (e) => isTesseraError(e, 'auth.capability_missing'));
    const events = (await (await server.admin('GET', '/v1/admin/events?terminalId=T-life')).json()) as { events: { type: string }[] };
    assert.ok(events.events.some((e) => e.type === 'terminal.restricted'));
    const restored = await server.admin('POST', '/v1/admin/terminals/T-life/restore');
    assert.equal(((await restored.json()) as { status: string }).status, 'active');
    assert.equal((await client.request('GET', '/v1/session')).status, 200);
  });

  test('a restricted terminal logs in with the update capability only', async () => {
    const credential = await server.addTerminal('T-upd');
    await server.admin('POST', '/v1/admin/terminals/T-upd/restrict');
    const session = await new TerminalClient({ credential, primitives: nodePrimitives }).login();
    assert.deepEqual(session.capabilities, ['update']);
  });

  test('a revoked terminal cannot be restored or restricted', async () => {
    await server.addTerminal('T-gone');
    await server.admin('POST', '/v1/admin/terminals/T-gone/revoke');
    for (const verb of ['restore', 'restrict']) {
      const res = await server.admin('POST', `/v1/admin/terminals/T-gone/${verb}`);
      assert.equal(res.status, 409);
      assert.equal(((await res.json()) as { code: string }).code, 'terminal.wrong_state');
    }
  });
});
