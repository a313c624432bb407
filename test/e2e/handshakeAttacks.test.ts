// Attacks on the mutual handshake over real HTTP: replayed hello and finish, reflection of the
// server's proof, one terminal's proof used for another's challenge, and an expired challenge
// (injected clock, no sleeps). Each refusal is checked by status, problem code, event reason
// and the session counter; embedded and, when configured, PostgreSQL+Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fromBase64Url } from '../../src/protocol/bytes.ts';
import type { HandshakeContext } from '../../src/protocol/handshake/handshakeContext.ts';
import { getHandshakeSuite } from '../../src/protocol/handshake/suites.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import {
  assertProblem,
  BACKENDS,
  challengeFor,
  failureReasons,
  handshake,
  manualClock,
  postJson,
  recentFailures,
  sendFinish,
  sendHello,
  sessionsCreated,
} from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const OCRA = 'OCRA-1:HOTP-SHA256-8:QH64';
const SUITES = ['hmac-sha256', 'hmac-sm3', OCRA];
const TTL_MS = 30_000;

for (const { backend, skip } of BACKENDS) {
  describe(`handshake attacks over HTTP (${backend})`, () => {
    const clock = manualClock();
    let server: TestServer;
    let url: string;
    before(async () => {
      if (skip) return;
      server = await startTestServer({ backend, now: clock.now, env: { TESSERA_SUITES: SUITES.join(',') } });
      url = server.url;
    });
    after(() => server?.close());

    /** Asserts the number of sessions created since `before` was taken. */
    async function assertNewSessions(before: number, expected: number): Promise<void> {
      assert.equal((await sessionsCreated(server.admin)) - before, expected, 'sessions created');
    }

    test('a recorded hello sent again is refused (auth.replayed) and yields no challenge', { skip }, async () => {
      const credential = await server.addTerminal(`T-replay-hello-${backend}`);
      const { hello, answer } = await sendHello(url, credential);
      assert.equal(answer.status, 200);
      const recorded = JSON.stringify(hello);
      const replay = await postJson(url, '/v1/auth/hello', recorded);
      assertProblem(replay, 401, 'auth.replayed');
      assert.equal(replay.json.challengeId, undefined);
      assert.equal(replay.json.serverProof, undefined);
      // the same nonce with an altered suite list is the same replay (the key is terminal + nonce)
      assertProblem(await postJson(url, '/v1/auth/hello', { ...hello, suites: ['hmac-sm3'] }), 401, 'auth.replayed');
      assert.deepEqual((await failureReasons(server.admin, credential.terminalId)).slice(0, 2), ['replayed_hello', 'replayed_hello']);
    });

    test('a recorded finish sent again is refused (auth.challenge_expired) and creates no second session', { skip }, async () => {
      const credential = await server.addTerminal(`T-replay-finish-${backend}`);
      const { finish } = await challengeFor(url, credential);
      const sessionsBefore = await sessionsCreated(server.admin);
      const first = await sendFinish(url, finish);
      assert.equal(first.status, 200);
      for (let i = 0; i < 3; i++) assertProblem(await sendFinish(url, finish), 401, 'auth.challenge_expired', `replay ${i + 1}`);
      await assertNewSessions(sessionsBefore, 1);
      // the used challenge is gone, so the event log records the replays without a terminal
      const unattributed = { terminalId: null, reason: 'challenge_expired' };
      assert.deepEqual(await recentFailures(server.admin, 3), [unattributed, unattributed, unattributed]);
    });

    for (const suiteName of SUITES) {
      test(`reflection (${suiteName}): the server's proof offered back as the terminal's proof is refused`, { skip }, async () => {
        const credential = await server.addTerminal(`T-reflect-${suiteName.replace(/[^a-z0-9]/gi, '')}-${backend}`, [suiteName]);
        const sessionsBefore = await sessionsCreated(server.admin);
        const { challenge, finish } = await challengeFor(url, credential);
        assert.equal(challenge.suite, suiteName);
        assert.notEqual(challenge.serverProof, finish.terminalProof, 'the two directions never share a proof');
        assertProblem(await sendFinish(url, { challengeId: challenge.challengeId, terminalProof: challenge.serverProof }), 401, 'auth.refused');
        // the refused attempt used the challenge up: the genuine finish cannot follow it
        assertProblem(await sendFinish(url, finish), 401, 'auth.challenge_expired');
        await assertNewSessions(sessionsBefore, 0);
        assert.deepEqual(await recentFailures(server.admin, 2), [
          { terminalId: null, reason: 'challenge_expired' },
          { terminalId: credential.terminalId, reason: 'bad_proof' },
        ]);
      });

      test(`reflection (${suiteName}): a second hello with the server's nonce as nonceT does not yield the terminal's proof`, { skip }, async () => {
        const credential = await server.addTerminal(`T-mirror-${suiteName.replace(/[^a-z0-9]/gi, '')}-${backend}`, [suiteName]);
        const sessionsBefore = await sessionsCreated(server.admin);
        // a man in the middle holds the genuine terminal's first challenge and opens a mirrored one
        const genuine = await challengeFor(url, credential);
        const mirrored = await postJson(url, '/v1/auth/hello', { terminalId: credential.terminalId, kid: credential.kid, nonceT: genuine.challenge.nonceS, suites: [suiteName] });
        assert.equal(mirrored.status, 200);
        assert.notEqual(mirrored.json.serverProof, genuine.finish.terminalProof);
        assertProblem(await sendFinish(url, { challengeId: genuine.challenge.challengeId, terminalProof: mirrored.json.serverProof }), 401, 'auth.refused');
        await assertNewSessions(sessionsBefore, 0);
        assert.equal((await failureReasons(server.admin, credential.terminalId))[0], 'bad_proof');
      });
    }

    test("one terminal's proof cannot finish another terminal's challenge", { skip }, async () => {
      const a = await server.addTerminal(`T-cross-A-${backend}`);
      const b = await server.addTerminal(`T-cross-B-${backend}`);
      const sessionsBefore = await sessionsCreated(server.admin);

      // 1. A's genuine proof for its own challenge, sent under B's challenge id
      const ca = await challengeFor(url, a);
      const cb = await challengeFor(url, b);
      assertProblem(await sendFinish(url, { challengeId: cb.challenge.challengeId, terminalProof: ca.finish.terminalProof }), 401, 'auth.refused', "A's proof on B's challenge");

      // 2. A sees B's challenge on the wire and answers it with its own key, as B and as itself
      const cb2 = await challengeFor(url, b);
      const suite = getHandshakeSuite(cb2.challenge.suite)!;
      const ctx = (terminalId: string): HandshakeContext => ({
        serverId: a.serverId,
        terminalId,
        kid: a.kid,
        suite: suite.name,
        offered: cb2.hello.suites,
        nonceT: fromBase64Url(cb2.hello.nonceT),
        nonceS: fromBase64Url(cb2.challenge.nonceS),
        challengeId: cb2.challenge.challengeId,
      });
      const keyA = fromBase64Url(a.key);
      const asB = suite.terminalProof(p, keyA, ctx(b.terminalId));
      assertProblem(await sendFinish(url, { challengeId: cb2.challenge.challengeId, terminalProof: asB }), 401, 'auth.refused', 'A answering as B');
      const cb3 = await challengeFor(url, b);
      const asA = suite.terminalProof(p, keyA, { ...ctx(a.terminalId), nonceT: fromBase64Url(cb3.hello.nonceT), nonceS: fromBase64Url(cb3.challenge.nonceS), challengeId: cb3.challenge.challengeId });
      assertProblem(await sendFinish(url, { challengeId: cb3.challenge.challengeId, terminalProof: asA }), 401, 'auth.refused', 'A answering as itself');

      // 3. A claims to be B in hello: the server proves itself with B's key, which A cannot check
      const claimed = await sendHello(url, { ...a, terminalId: b.terminalId });
      assert.equal(claimed.answer.status, 200);
      const ctxClaimed: HandshakeContext = {
        serverId: a.serverId,
        terminalId: b.terminalId,
        kid: a.kid,
        suite: claimed.challenge!.suite,
        offered: claimed.hello.suites,
        nonceT: fromBase64Url(claimed.hello.nonceT),
        nonceS: fromBase64Url(claimed.challenge!.nonceS),
        challengeId: claimed.challenge!.challengeId,
      };
      const claimedSuite = getHandshakeSuite(claimed.challenge!.suite)!;
      assert.notEqual(claimedSuite.serverProof(p, keyA, ctxClaimed), claimed.challenge!.serverProof);
      assertProblem(await sendFinish(url, { challengeId: ctxClaimed.challengeId, terminalProof: claimedSuite.terminalProof(p, keyA, ctxClaimed) }), 401, 'auth.refused', 'A claiming to be B');

      await assertNewSessions(sessionsBefore, 0);
      assert.deepEqual(await failureReasons(server.admin, b.terminalId), ['bad_proof', 'bad_proof', 'bad_proof', 'bad_proof']);
      assert.deepEqual(await failureReasons(server.admin, a.terminalId), []);
      // A's own challenge was never touched, and both terminals still log in
      assert.equal((await sendFinish(url, ca.finish)).status, 200);
      await handshake(url, b);
      await assertNewSessions(sessionsBefore, 2);
    });

    test('a hello naming another kid or a lot that is not the terminal\'s gets a proof under another key, and its finish is refused', { skip }, async () => {
      const credential = await server.addTerminal(`T-claims-${backend}`);
      const key = fromBase64Url(credential.key);
      const sessionsBefore = await sessionsCreated(server.admin);
      for (const claim of [{ kid: credential.kid + 1 }, { lotId: 'L-not-its-lot' }, { kid: credential.kid + 1, lotId: 'L-not-its-lot' }]) {
        const sent = await sendHello(url, { ...credential, ...claim });
        assert.equal(sent.answer.status, 200, `hello ${JSON.stringify(claim)} is answered like any other`);
        const challenge = sent.challenge!;
        const suite = getHandshakeSuite(challenge.suite)!;
        const context: HandshakeContext = {
          serverId: credential.serverId,
          terminalId: credential.terminalId,
          kid: sent.hello.kid,
          suite: suite.name,
          offered: sent.hello.suites,
          nonceT: fromBase64Url(sent.hello.nonceT),
          nonceS: fromBase64Url(challenge.nonceS),
          challengeId: challenge.challengeId,
        };
        assert.notEqual(suite.serverProof(p, key, context), challenge.serverProof, `the server did not prove itself with the real key for ${JSON.stringify(claim)}`);
        // Even the real key's proof over that challenge does not make a session.
        assertProblem(await sendFinish(url, { challengeId: challenge.challengeId, terminalProof: suite.terminalProof(p, key, context) }), 401, 'auth.refused', JSON.stringify(claim));
      }
      await assertNewSessions(sessionsBefore, 0);
      assert.deepEqual(await failureReasons(server.admin, credential.terminalId), ['unknown_terminal', 'unknown_terminal', 'unknown_terminal']);
      await handshake(url, credential);
    });

    test('a challenge finished 30 s or more after hello is refused (auth.challenge_expired)', { skip }, async () => {
      const credential = await server.addTerminal(`T-expire-${backend}`);
      const sessionsBefore = await sessionsCreated(server.admin);
      const late = await challengeFor(url, credential);
      assert.equal(late.challenge.expiresAt, new Date(clock.now() + TTL_MS).toISOString());
      clock.advance(TTL_MS + 1);
      assertProblem(await sendFinish(url, late.finish), 401, 'auth.challenge_expired', 'past the TTL');

      const atLimit = await challengeFor(url, credential);
      clock.advance(TTL_MS);
      assertProblem(await sendFinish(url, atLimit.finish), 401, 'auth.challenge_expired', 'exactly at the TTL');
      await assertNewSessions(sessionsBefore, 0);

      const justInTime = await challengeFor(url, credential);
      clock.advance(TTL_MS - 1);
      assert.equal((await sendFinish(url, justInTime.finish)).status, 200, 'one millisecond before expiry still works');
      await assertNewSessions(sessionsBefore, 1);
      // an expired challenge names its terminal while the store still holds it (Redis keeps it
      // by the real clock); the in-memory store follows the injected clock and has dropped it
      const failures = await recentFailures(server.admin, 2);
      assert.deepEqual(failures.map((f) => f.reason), ['challenge_expired', 'challenge_expired']);
      for (const f of failures) assert.ok(f.terminalId === null || f.terminalId === credential.terminalId, `event terminal ${f.terminalId}`);
    });

    test('a hello replayed after its replay window gets a fresh challenge the recorded finish cannot complete', {
      skip: skip || (backend === 'shared' && 'Redis TTLs follow the real clock, not the injected one'),
    }, async () => {
      const credential = await server.addTerminal(`T-late-replay-${backend}`);
      const first = await challengeFor(url, credential);
      assert.equal((await sendFinish(url, first.finish)).status, 200);
      const sessionsBefore = await sessionsCreated(server.admin);
      clock.advance(2 * TTL_MS + 1);
      const replay = await postJson(url, '/v1/auth/hello', first.hello);
      assert.equal(replay.status, 200, 'the replay window is over: the server answers with a new challenge');
      assert.notEqual(replay.json.nonceS, first.challenge.nonceS);
      assertProblem(await sendFinish(url, first.finish), 401, 'auth.challenge_expired', 'the recorded finish');
      assertProblem(await sendFinish(url, { challengeId: replay.json.challengeId, terminalProof: first.finish.terminalProof }), 401, 'auth.refused', 'the recorded proof on the new challenge');
      await assertNewSessions(sessionsBefore, 0);
    });
  });
}
