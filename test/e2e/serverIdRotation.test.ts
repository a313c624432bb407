// Retiring master key 1 must not change the server id (it is in every credential and
// transcript): a terminal of key 2 keeps logging in after a restart with only key 2, while a
// terminal of key 1 is refused (docs/operations.md, "Master keys and rotation"). Before the
// server id was stored, it was re-derived from the lowest kid at every start.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { TerminalCredential } from '../../src/protocol/credential.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { assertProblem, BACKENDS, failureReasons, postJson, sendHello } from './attackKit.ts';
import { type Backend, startTestServer, type TestServer } from './testServer.ts';

const K1 = `1:${randomBytes(32).toString('base64url')}`;
const K2 = `2:${randomBytes(32).toString('base64url')}`;

/** Logs the credential in at `server` (its URL changes with each restart). */
const login = (server: TestServer, credential: TerminalCredential) => new TerminalClient({ credential: { ...credential, url: server.url }, primitives: nodePrimitives }).login();

/** Runs `fn` on a deployment started with `masterKey`; `restart` stops the last server and starts one with another ring on the same data. */
async function withDeployment(backend: Backend, masterKey: string, fn: (first: TestServer, restart: (masterKey: string) => Promise<TestServer>) => Promise<void>): Promise<void> {
  const servers = [await startTestServer({ backend, env: { TESSERA_MASTER_KEY: masterKey } })];
  const restart = async (key: string) => {
    const last = servers.at(-1)!;
    await last.app.close();
    servers.push(await startTestServer({ shareWith: last, env: { TESSERA_MASTER_KEY: key } }));
    return servers.at(-1)!;
  };
  try {
    await fn(servers[0]!, restart);
  } finally {
    // The first owns the data dir and schema: it goes last.
    for (const server of servers.reverse()) await server.close().catch(() => {});
  }
}

for (const { backend, skip } of BACKENDS) {
  describe(`retiring master key 1 (${backend})`, { skip }, () => {
    test('a kid-2 terminal made under keys 1,2 logs in after a restart with only key 2', () =>
      withDeployment(backend, `${K1},${K2}`, async (first, restart) => {
        const credential = await first.addTerminal('T-kid2');
        assert.equal(credential.kid, 2);
        await login(first, credential);
        const second = await restart(K2);
        assert.equal(second.config.serverId, first.config.serverId);
        assert.equal(second.config.serverId, credential.serverId);
        const session = await login(second, credential);
        assert.match(session.sessionId, /^[A-Za-z0-9_-]+$/);
      }));

    test('a kid-1 terminal is refused once key 1 is retired; kid-2 terminals are not', () =>
      withDeployment(backend, K1, async (first, restart) => {
        const old = await first.addTerminal('T-kid1');
        assert.equal(old.kid, 1);
        await login(first, old);
        const rotated = await restart(`${K1},${K2}`);
        const fresh = await rotated.addTerminal('T-kid2');
        assert.equal(fresh.kid, 2);
        const retired = await restart(K2);
        assert.equal(retired.config.serverId, first.config.serverId);
        await login(retired, fresh);
        // The server answers a kid it lacks with a decoy key (it does not reveal which kids it
        // holds): the terminal finds the server proof wrong, and a finish sent anyway is refused.
        await assert.rejects(login(retired, old), (err) => isTesseraError(err, 'auth.server_not_genuine'));
        const { challenge } = await sendHello(retired.url, old);
        const answer = await postJson(retired.url, '/v1/auth/finish', { challengeId: challenge!.challengeId, terminalProof: randomBytes(32).toString('base64url') });
        assertProblem(answer, 401, 'auth.refused');
        assert.equal((await failureReasons(retired.admin, 'T-kid1'))[0], 'unknown_terminal');
      }));
  });
}
