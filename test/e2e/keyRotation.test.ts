// Master-key rotation across restarts of one deployment (same data dir, same shared schema):
// adding key 2 gives new terminals kid 2 while kid-1 terminals keep logging in and signing
// requests; dropping key 1 then shuts out exactly the kid-1 terminals (docs/operations.md,
// "Master keys and rotation"). serverIdRotation.test.ts covers the server id across this.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { TerminalCredential } from '../../src/protocol/credential.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { assertProblem, BACKENDS, failureReasons, postJson, sendHello } from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const K1 = `1:${randomBytes(32).toString('base64url')}`;
const K2 = `2:${randomBytes(32).toString('base64url')}`;

/** A client of `credential` at `server` (each restart listens on a new port). */
const clientAt = (server: TestServer, credential: TerminalCredential) => new TerminalClient({ credential, primitives: nodePrimitives, url: server.url });

/** Logs in at `server`, then makes one signed request and checks the server saw this terminal and session. */
async function loginAndSign(server: TestServer, credential: TerminalCredential): Promise<void> {
  const client = clientAt(server, credential);
  const session = await client.login();
  const { status, body } = await client.request<{ terminalId: string; sessionId: string }>('GET', '/v1/session');
  assert.equal(status, 200);
  assert.deepEqual({ terminalId: body.terminalId, sessionId: body.sessionId }, { terminalId: credential.terminalId, sessionId: session.sessionId });
}

for (const { backend, skip } of BACKENDS) {
  describe(`master-key rotation (${backend})`, { skip }, () => {
    test('key 2 added: old terminals keep kid 1 and work, new ones get kid 2; key 1 dropped: only kid-1 terminals are refused', async () => {
      const servers: TestServer[] = [];
      const restart = async (masterKey: string) => {
        const last = servers.at(-1)!;
        await last.app.close();
        servers.push(await startTestServer({ backend, shareWith: last, env: { TESSERA_MASTER_KEY: masterKey } }));
        return servers.at(-1)!;
      };
      try {
        servers.push(await startTestServer({ backend, env: { TESSERA_MASTER_KEY: K1 } }));
        const first = servers[0]!;
        const a = await first.addTerminal('T-rot-A');
        assert.equal(a.kid, 1);
        await loginAndSign(first, a);

        const rotated = await restart(`${K1},${K2}`);
        await loginAndSign(rotated, a);
        const b = await rotated.addTerminal('T-rot-B');
        assert.equal(b.kid, 2, 'the highest kid of the ring is the current one');
        await loginAndSign(rotated, b);
        const shown = (await (await rotated.admin('GET', '/v1/admin/terminals/T-rot-A')).json()) as { kid: number };
        assert.equal(shown.kid, 1, 'the rotation did not touch the existing terminal');

        // The ring order in the variable does not matter: kid 2 is still current.
        const reordered = await restart(`${K2},${K1}`);
        assert.equal((await reordered.addTerminal('T-rot-C')).kid, 2);
        await loginAndSign(reordered, a);

        const retired = await restart(K2);
        await loginAndSign(retired, b);
        // Without key 1 the server answers A's hello under a decoy key, so the terminal finds
        // the server's proof wrong and stops; a finish sent anyway is refused (auth.refused).
        await assert.rejects(clientAt(retired, a).login(), (err) => isTesseraError(err, 'auth.server_not_genuine'));
        const { challenge } = await sendHello(retired.url, a);
        assertProblem(await postJson(retired.url, '/v1/auth/finish', { challengeId: challenge!.challengeId, terminalProof: randomBytes(32).toString('base64url') }), 401, 'auth.refused');
        assert.equal((await failureReasons(retired.admin, 'T-rot-A'))[0], 'unknown_terminal');
        await loginAndSign(retired, b);
      } finally {
        // The first server owns the data dir and schema: it is closed last.
        for (const server of servers.reverse()) await server.close().catch(() => {});
      }
    });
  });
}
