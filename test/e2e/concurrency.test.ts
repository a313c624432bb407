// Races over real HTTP: 50 concurrent finishes of one challenge, 50 concurrent copies of one
// hello and of one signed request. Exactly one wins each race; the other 49 get the precise
// refusal. Embedded (SQLite + memory) and, when configured, PostgreSQL + Redis.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { beginHandshake } from '../../src/protocol/handshake/terminalHandshake.ts';
import { deriveRequestKey } from '../../src/protocol/keys.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import {
  type Answer,
  assertProblem,
  BACKENDS,
  challengeFor,
  failureReasons,
  handshake,
  identityOf,
  postJson,
  recentFailures,
  sendFinish,
  sendSigned,
  sessionsCreated,
  signed,
} from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const RACERS = 50;

function split(answers: Answer[]): { won: Answer[]; lost: Answer[] } {
  return { won: answers.filter((a) => a.status === 200), lost: answers.filter((a) => a.status !== 200) };
}

for (const { backend, skip } of BACKENDS) {
  describe(`concurrent races over HTTP (${backend})`, () => {
    let server: TestServer;
    let url: string;
    before(async () => {
      if (skip) return;
      server = await startTestServer({ backend });
      url = server.url;
    });
    after(() => server?.close());

    test(`${RACERS} concurrent finishes of one challenge: one session, ${RACERS - 1} refusals`, { skip }, async () => {
      const credential = await server.addTerminal(`T-race-finish-${backend}`);
      const { finish, sessionKey } = await challengeFor(url, credential);
      const sessionsBefore = await sessionsCreated(server.admin);
      const { won, lost } = split(await Promise.all(Array.from({ length: RACERS }, () => sendFinish(url, finish))));
      assert.equal(won.length, 1, 'exactly one finish succeeds');
      assert.equal(lost.length, RACERS - 1);
      for (const answer of lost) assertProblem(answer, 401, 'auth.challenge_expired');
      assert.equal((await sessionsCreated(server.admin)) - sessionsBefore, 1, 'exactly one session');
      const failures = await recentFailures(server.admin, RACERS);
      assert.equal(failures.filter((f) => f.reason === 'challenge_expired' && f.terminalId === null).length, RACERS - 1);
      // the winner's session is real
      const session = { sessionId: won[0]!.json.sessionId, requestKey: deriveRequestKey(p, sessionKey) };
      const check = await sendSigned(signed(url, session, 'GET', '/v1/session'));
      assert.equal(check.status, 200);
      assert.equal(check.json.terminalId, credential.terminalId);
    });

    test(`${RACERS} concurrent copies of one hello: one challenge, ${RACERS - 1} refused as replays`, { skip }, async () => {
      const credential = await server.addTerminal(`T-race-hello-${backend}`);
      const { hello } = beginHandshake(p, identityOf(credential), credential.suites);
      const body = JSON.stringify(hello);
      const { won, lost } = split(await Promise.all(Array.from({ length: RACERS }, () => postJson(url, '/v1/auth/hello', body))));
      assert.equal(won.length, 1, 'exactly one hello is answered');
      for (const answer of lost) assertProblem(answer, 401, 'auth.replayed');
      const reasons = await failureReasons(server.admin, credential.terminalId);
      assert.equal(reasons.length, RACERS - 1);
      assert.ok(reasons.every((r) => r === 'replayed_hello'));
    });

    test(`${RACERS} concurrent copies of one signed request: one answer, ${RACERS - 1} refused as replays`, { skip }, async () => {
      const credential = await server.addTerminal(`T-race-sig-${backend}`);
      const session = await handshake(url, credential);
      const request = signed(url, session, 'POST', '/v1/session/echo', { body: { pay: 1 } });
      const { won, lost } = split(await Promise.all(Array.from({ length: RACERS }, () => sendSigned(request))));
      assert.equal(won.length, 1, 'exactly one copy is served');
      assert.deepEqual(won[0]!.json.body, { pay: 1 });
      for (const answer of lost) assertProblem(answer, 401, 'sig.replayed');
    });
  });
}
