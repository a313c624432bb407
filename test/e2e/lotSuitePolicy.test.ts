// Suite negotiation within a lot's policy, over real HTTP. The policy reaches the terminal
// through its OTP image (what it offers, in the lot's order) and the server through the
// factory record (what it accepts at finish); the server picks the first offered suite its
// TESSERA_SUITES allows (docs/protocol.md §4.4, §13). What a lot adds to
// test/e2e/handshakeTamper.test.ts: a national-standard lot (hmac-sm3, SM4-sealed image) logs
// in with hmac-sm3 although TESSERA_SUITES lists hmac-sha256 first; the lot's order decides
// and cannot be reordered in transit; a widened offer cannot push it outside the lot's policy;
// and the hardware evidence in the hello is covered by the transcript, so a man in the middle
// can neither strip it (to turn the session restricted) nor swap it without the terminal
// noticing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isTesseraError } from '../../src/protocol/errors.ts';
import type { HelloRequest } from '../../src/protocol/handshake/messages.ts';
import { parseHelloResponse } from '../../src/protocol/handshake/messages.ts';
import { answerChallenge, beginHandshake, type TerminalIdentity } from '../../src/protocol/handshake/terminalHandshake.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { bootTerminal, type FullBoot } from '../../src/terminal/bootTerminal.ts';
import { SimulatedHardwareFingerprint } from '../../src/terminal/hardwareFingerprint.ts';
import { MemoryOtpStore } from '../../src/terminal/otpStore.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { HARDWARE_A } from '../terminal/otpFixtures.ts';
import { assertProblem, BACKENDS, failureReasons, identityOf, postJson, sendFinish, sessionsCreated } from './attackKit.ts';
import { provisionLot } from './factoryKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const onA = new SimulatedHardwareFingerprint(HARDWARE_A);

async function bootOnA(image: Uint8Array): Promise<FullBoot> {
  const boot = await bootTerminal({ otpStore: new MemoryOtpStore(image), hardware: onA, primitives: p });
  assert.equal(boot.mode, 'full');
  return boot as FullBoot;
}

const identityFrom = (boot: FullBoot): TerminalIdentity => ({ ...identityOf(boot.credential), hardwareHash: boot.hardwareHash });

/**
 * Sends the terminal's hello with its offer rewritten in transit to [hmac-sha256, hmac-sm3]:
 * the server picks hmac-sha256 from what it received, the terminal refuses the answer as not
 * genuine, and no session is made.
 */
async function assertRewrittenOfferRefused(server: TestServer, boot: FullBoot, serverPick: string): Promise<void> {
  const url = server.url;
  const before = await sessionsCreated(server.admin);
  const { hello, pending } = beginHandshake(p, identityFrom(boot), boot.credential.suites);
  const answer = await postJson(url, '/v1/auth/hello', { ...hello, suites: ['hmac-sha256', 'hmac-sm3'] });
  assert.equal(answer.status, 200);
  assert.equal(answer.json.suite, 'hmac-sha256', serverPick);
  assert.throws(() => answerChallenge(p, pending, parseHelloResponse(answer.json)), (e) => isTesseraError(e, 'auth.server_not_genuine'));
  assert.equal(await sessionsCreated(server.admin), before);
}

for (const { backend, skip } of BACKENDS) {
  describe(`suite negotiation within a lot policy over HTTP (${backend})`, () => {
    let server: TestServer;
    let sm3Lot: FullBoot;
    let sm3Tampered: FullBoot;
    let mixedLot: FullBoot;
    before(async () => {
      if (skip) return;
      server = await startTestServer({ backend }); // TESSERA_SUITES: hmac-sha256, hmac-sm3
      const sm3 = await provisionLot(server, {
        id: `L-gm-${backend}`,
        handshakeSuites: ['hmac-sm3'],
        aeadSuites: ['sm4-cbc+hmac-sm3'],
        terminals: [{ id: `L-gm-${backend}-1`, hardware: HARDWARE_A }, { id: `L-gm-${backend}-2`, hardware: HARDWARE_A }],
      });
      const mixed = await provisionLot(server, { id: `L-mix-${backend}`, handshakeSuites: ['hmac-sha256', 'hmac-sm3'], terminals: [{ id: `L-mix-${backend}-1`, hardware: HARDWARE_A }] });
      sm3Lot = await bootOnA(sm3.get(`L-gm-${backend}-1`)!.image);
      sm3Tampered = await bootOnA(sm3.get(`L-gm-${backend}-2`)!.image);
      mixedLot = await bootOnA(mixed.get(`L-mix-${backend}-1`)!.image);
    });
    after(() => server?.close());

    test('an image whose policy is [hmac-sm3] (sealed with SM4-CBC+HMAC-SM3) logs in with hmac-sm3 and full capabilities', { skip }, async () => {
      assert.deepEqual(sm3Lot.policy, { handshakeSuites: ['hmac-sm3'], aeadSuites: ['sm4-cbc+hmac-sm3'] });
      const session = await TerminalClient.fromBoot(sm3Lot, { primitives: p }).login();
      assert.equal(session.suite, 'hmac-sm3');
      assert.deepEqual(session.capabilities, ['session', 'activate', 'update']);
    });

    test('an offer widened in transit to [hmac-sha256, hmac-sm3] is refused by the terminal', { skip }, async () => {
      await assertRewrittenOfferRefused(server, sm3Lot, 'the server picked the first suite of the widened offer');
    });

    test('a tampered SDK that offers a suite outside the lot policy is refused at finish (suite_not_allowed)', { skip }, async () => {
      const identity = identityFrom(sm3Tampered);
      const { hello, pending } = beginHandshake(p, identity, ['hmac-sha256']);
      const answer = await postJson(server.url, '/v1/auth/hello', hello);
      assert.equal(answer.status, 200);
      const { finish } = answerChallenge(p, pending, parseHelloResponse(answer.json));
      assertProblem(await sendFinish(server.url, finish), 401, 'auth.refused');
      assert.equal((await failureReasons(server.admin, identity.terminalId))[0], 'suite_not_allowed');
    });

    test('hmac-sha256 stripped from a mixed lot\'s offer is caught by the terminal (downgrade within policy)', { skip }, async () => {
      const { hello, pending } = beginHandshake(p, identityFrom(mixedLot), mixedLot.credential.suites);
      const answer = await postJson(server.url, '/v1/auth/hello', { ...hello, suites: ['hmac-sm3'] });
      assert.equal(answer.json.suite, 'hmac-sm3');
      assert.throws(() => answerChallenge(p, pending, parseHelloResponse(answer.json)), (e) => isTesseraError(e, 'auth.server_not_genuine'));
      // undisturbed, the mixed lot gets its first choice
      assert.equal((await TerminalClient.fromBoot(mixedLot, { primitives: p }).login()).suite, 'hmac-sha256');
    });

    test('hardware evidence stripped or swapped in transit is caught by the terminal: no session, restricted or not', { skip }, async () => {
      const before = await sessionsCreated(server.admin);
      const identity = identityFrom(mixedLot);
      const other = beginHandshake(p, identity, mixedLot.credential.suites).hello.evidence!;
      const edits: ((h: HelloRequest) => HelloRequest)[] = [({ evidence: _e, ...rest }) => rest, (h) => ({ ...h, evidence: other })];
      for (const edit of edits) {
        const { hello, pending } = beginHandshake(p, identity, mixedLot.credential.suites);
        assert.ok(hello.evidence);
        const answer = await postJson(server.url, '/v1/auth/hello', edit(hello));
        assert.equal(answer.status, 200);
        assert.throws(() => answerChallenge(p, pending, parseHelloResponse(answer.json)), (e) => isTesseraError(e, 'auth.server_not_genuine'));
      }
      assert.equal(await sessionsCreated(server.admin), before);
    });
  });

  describe(`the lot's order picks the suite among those the server allows (${backend})`, () => {
    let server: TestServer; // TESSERA_SUITES: hmac-sha256, hmac-sm3 (the default)
    let sm3First: TestServer; // TESSERA_SUITES: hmac-sm3, hmac-sha256
    let noSm3: TestServer; // TESSERA_SUITES: hmac-sha256
    const boots = new Map<string, FullBoot>();
    const lot = async (on: TestServer, id: string, handshakeSuites: string[]) => {
      const made = await provisionLot(on, { id, handshakeSuites, terminals: [{ id: `${id}-1`, hardware: HARDWARE_A }] });
      boots.set(id, await bootOnA(made.get(`${id}-1`)!.image));
    };
    const login = async (id: string) => (await TerminalClient.fromBoot(boots.get(id)!, { primitives: p }).login()).suite;
    before(async () => {
      if (skip) return;
      server = await startTestServer({ backend });
      sm3First = await startTestServer({ backend, env: { TESSERA_SUITES: 'hmac-sm3,hmac-sha256' } });
      noSm3 = await startTestServer({ backend, env: { TESSERA_SUITES: 'hmac-sha256' } });
      await lot(server, `L-pref-sm3-${backend}`, ['hmac-sm3', 'hmac-sha256']);
      await lot(server, `L-pref-sha-${backend}`, ['hmac-sha256', 'hmac-sm3']);
      await lot(sm3First, `L-pref-sha2-${backend}`, ['hmac-sha256', 'hmac-sm3']);
      await lot(noSm3, `L-pref-nosm3-${backend}`, ['hmac-sm3', 'hmac-sha256']);
    });
    after(async () => {
      await server?.close();
      await sm3First?.close();
      await noSm3?.close();
    });

    test('a lot preferring hmac-sm3 then hmac-sha256 gets hmac-sm3, though TESSERA_SUITES lists hmac-sha256 first', { skip }, async () => {
      const id = `L-pref-sm3-${backend}`;
      assert.deepEqual(boots.get(id)!.credential.suites, ['hmac-sm3', 'hmac-sha256'], 'the image makes the terminal offer the lot\'s order');
      assert.equal(await login(id), 'hmac-sm3');
    });

    test('a lot preferring hmac-sha256 first gets hmac-sha256, on a server listing either first', { skip }, async () => {
      assert.equal(await login(`L-pref-sha-${backend}`), 'hmac-sha256');
      assert.equal(await login(`L-pref-sha2-${backend}`), 'hmac-sha256');
    });

    test('a server whose TESSERA_SUITES excludes hmac-sm3 gives a lot preferring hmac-sm3 its next choice, hmac-sha256', { skip }, async () => {
      assert.equal(await login(`L-pref-nosm3-${backend}`), 'hmac-sha256');
    });

    test('the lot\'s order reversed in transit (to get hmac-sha256) is caught by the terminal: no session', { skip }, async () => {
      await assertRewrittenOfferRefused(server, boots.get(`L-pref-sm3-${backend}`)!, 'the server follows the order it received');
    });
  });
}
