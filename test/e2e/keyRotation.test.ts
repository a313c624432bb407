// Master-key rotation across restarts of one deployment (same data dir, same shared schema):
// adding key 2 gives new terminals kid 2 while kid-1 terminals keep logging in and signing
// requests; dropping key 1 then shuts out exactly the kid-1 terminals (docs/operations.md,
// "Master keys and rotation"). A rolling rotation runs two processes at once: one on ring {1},
// one on {1,2} with TESSERA_MASTER_KEY_CURRENT=1, and each verifies what the other makes.
// serverIdRotation.test.ts covers the server id across this.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TerminalCredential } from '../../src/protocol/credential.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { BindingClient } from '../../src/terminal/binding/bindingClient.ts';
import { SimulatedSubscriberInfo } from '../../src/terminal/binding/subscriberInfo.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { assertProblem, BACKENDS, failureReasons, postJson, sendHello } from './attackKit.ts';
import { issueCodes, provisionTerminals } from './activationKit.ts';
import { codeFromOutbox, facts } from './bindingKit.ts';
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

    test('rolling rotation of two processes: with TESSERA_MASTER_KEY_CURRENT at the old kid, what the new-key process makes works on the old one', async () => {
      const started: TestServer[] = [];
      const start = async (env: Record<string, string>) => {
        started.push(await startTestServer({ backend, ...(started[0] ? { shareWith: started[0] } : {}), env }));
        return started.at(-1)!;
      };
      try {
        // Process A still runs on ring {1}; B has been restarted with {1,2} (step 1 of the rotation).
        const a = await start({ TESSERA_MASTER_KEY: K1, TESSERA_ACTIVATION_REQUIRES_BINDING: 'false' });
        const b = await start({ TESSERA_MASTER_KEY: `${K1},${K2}`, TESSERA_MASTER_KEY_CURRENT: '1' });
        const t = await b.addTerminal('T-roll-1');
        assert.equal(t.kid, 1, 'B makes new terminals under the kid every process holds');
        await loginAndSign(a, t);
        // A SIM binding made on B holds on A (its identifier hashes are under kid 1).
        const sim = new SimulatedSubscriberInfo(facts(1));
        const onB = new BindingClient({ client: clientAt(b, t), subscriber: sim });
        const pending = await onB.register({ msisdn: sim.facts.msisdn! });
        await onB.confirm(codeFromOutbox(join(b.env['TESSERA_DATA_DIR']!, 'sms-outbox.log'), pending.binding.id));
        const onA = new BindingClient({ client: clientAt(a, t), subscriber: sim });
        assert.equal((await onA.sensitive('POST', '/v1/secure/echo', { body: { amount: 10 } })).status, 200);
        // An activation code issued on B is redeemed through A.
        const [code] = await issueCodes(b, 'roll-batch', 1);
        const [provisioned] = await provisionTerminals(a, ['T-roll-P']);
        const client = clientAt(a, provisioned!);
        await client.login();
        assert.equal((await client.activate(code!)).status, 'active');

        // Without the setting B would already make kid-2 terminals, which A cannot verify.
        const early = await start({ TESSERA_MASTER_KEY: `${K1},${K2}` });
        const orphan = await early.addTerminal('T-roll-early');
        assert.equal(orphan.kid, 2);
        await assert.rejects(clientAt(a, orphan).login(), (err) => isTesseraError(err, 'auth.server_not_genuine'));

        // Step 2: every process holds key 2; A' makes it current while B still has kid 1 current.
        const a2 = await start({ TESSERA_MASTER_KEY: `${K1},${K2}` });
        const fresh = await a2.addTerminal('T-roll-2');
        assert.equal(fresh.kid, 2);
        await loginAndSign(b, fresh);
        await loginAndSign(a2, t);
      } finally {
        // The first server owns the data dir and schema: it is closed last.
        for (const server of started.reverse()) await server.close().catch(() => {});
      }
    });
  });
}
