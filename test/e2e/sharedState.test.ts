// Several server processes of one deployment (same master key, PostgreSQL schema and Redis
// prefix) behave as one: a handshake begun on one finishes on another, challenges, hello
// nonces and signature nonces are single-use across all of them, and a revocation on one is
// seen at once by the others. Includes a real second OS process (`tessera serve`).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { TerminalCredential } from '../../src/protocol/credential.ts';
import { deriveRequestKey } from '../../src/protocol/keys.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import {
  type Answer,
  assertProblem,
  challengeFor,
  handshake,
  postJson,
  sendFinish,
  sendRaw,
  sendSigned,
  sessionsCreated,
  signed,
  type TestSession,
} from './attackKit.ts';
import { sharedAvailable, startTestServer, type TestServer } from './testServer.ts';

const skip = !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set';
const RACERS = 50;
const CHILD_START_MS = 30_000;

/** Starts `tessera serve` as a child process with `env`; resolves with its URL once it listens. */
async function spawnServe(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; serverId: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: new URL('../../', import.meta.url),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const listening = new Promise<{ url: string; serverId: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tessera serve did not start in ${CHILD_START_MS} ms: ${stderr}`)), CHILD_START_MS);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const m = /server (\S+) listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ serverId: m[1]!, url: m[2]! });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`tessera serve exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
  try {
    return { child, ...(await listening) };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

describe('shared state across server processes (PostgreSQL + Redis)', () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    if (skip) return;
    a = await startTestServer({ backend: 'shared' });
    b = await startTestServer({ shareWith: a });
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  const totalSessions = async (...servers: TestServer[]) => (await Promise.all(servers.map((s) => sessionsCreated(s.admin)))).reduce((x, y) => x + y, 0);
  const works = async (url: string, session: TestSession) => {
    const answer = await sendSigned(signed(url, session, 'GET', '/v1/session'));
    assert.equal(answer.status, 200, `${url}: ${answer.text}`);
    return answer;
  };

  test('hello on one server, finish on the other: the session works on both', { skip }, async () => {
    assert.equal(b.config.serverId, a.config.serverId);
    const credential = await a.addTerminal('T-shared-1');
    const session = await handshake(a.url, credential, b.url);
    assert.equal((await works(a.url, session)).json.terminalId, 'T-shared-1');
    assert.equal((await works(b.url, session)).json.sessionId, session.sessionId);
  });

  test('a challenge finished on one server cannot be finished again on the other', { skip }, async () => {
    const credential = await b.addTerminal('T-shared-2');
    const { finish } = await challengeFor(a.url, credential);
    assert.equal((await sendFinish(b.url, finish)).status, 200);
    assertProblem(await sendFinish(a.url, finish), 401, 'auth.challenge_expired');
    assertProblem(await sendFinish(b.url, finish), 401, 'auth.challenge_expired');
  });

  test(`${RACERS} concurrent finishes split over two servers: exactly one session`, { skip }, async () => {
    const credential = await a.addTerminal('T-shared-race');
    const { finish } = await challengeFor(b.url, credential);
    const before = await totalSessions(a, b);
    const answers: Answer[] = await Promise.all(Array.from({ length: RACERS }, (_, i) => sendFinish(i % 2 ? a.url : b.url, finish)));
    assert.equal(answers.filter((x) => x.status === 200).length, 1);
    for (const answer of answers.filter((x) => x.status !== 200)) assertProblem(answer, 401, 'auth.challenge_expired');
    assert.equal((await totalSessions(a, b)) - before, 1);
  });

  test('a hello replayed to the other server is refused (auth.replayed)', { skip }, async () => {
    const credential = await a.addTerminal('T-shared-hello');
    const { hello } = await challengeFor(a.url, credential);
    assertProblem(await postJson(b.url, '/v1/auth/hello', hello), 401, 'auth.replayed');
  });

  test('a signed request replayed to the other server is refused (sig.replayed)', { skip }, async () => {
    const credential = await a.addTerminal('T-shared-sig');
    const session = await handshake(a.url, credential);
    const request = signed(a.url, session, 'POST', '/v1/session/echo', { body: { pay: 5 } });
    assert.equal((await sendSigned(request)).status, 200);
    // the same bytes forwarded to the other process, as a load balancer in front of both would
    assertProblem(await sendRaw(request, { connectTo: b.url }), 401, 'sig.replayed');
    // and a fresh request of the same session is served there
    assert.equal((await sendRaw(signed(a.url, session, 'GET', '/v1/session'), { connectTo: b.url })).status, 200);
  });

  test('a revocation on one server is seen at once by the other', { skip }, async () => {
    const credential = await a.addTerminal('T-shared-revoke');
    const session = await handshake(b.url, credential);
    await works(b.url, session);
    assert.equal((await a.admin('POST', '/v1/admin/terminals/T-shared-revoke/revoke')).status, 200);
    assertProblem(await sendSigned(signed(b.url, session, 'GET', '/v1/session')), 401, 'auth.session_invalid');
    const { finish } = await challengeFor(b.url, credential);
    assertProblem(await sendFinish(b.url, finish), 401, 'auth.refused');
  });

  test('a real second OS process (tessera serve): hello here, finish there, session on both', { skip }, async () => {
    const { child, url, serverId } = await spawnServe(a.env);
    try {
      assert.equal(serverId, a.config.serverId, 'one deployment, one server id');
      const credential = await a.addTerminal('T-shared-child');
      const { finish, sessionKey } = await challengeFor(a.url, credential);
      const done = await sendFinish(url, finish);
      assert.equal(done.status, 200, done.text);
      assertProblem(await sendFinish(a.url, finish), 401, 'auth.challenge_expired');
      const session = { sessionId: done.json.sessionId, requestKey: deriveRequestKey(p, sessionKey) };
      await works(url, session);
      await works(a.url, session);
      // and the other way round: a terminal registered through the child logs in here
      const res = await fetch(`${url}/v1/admin/terminals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.env['TESSERA_ADMIN_TOKEN']}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'T-from-child' }),
      });
      assert.equal(res.status, 201);
      const fromChild = ((await res.json()) as { credential: TerminalCredential }).credential;
      await works(url, await handshake(a.url, fromChild, a.url));
    } finally {
      assert.equal(await stop(child), 0, 'tessera serve stops cleanly on SIGTERM');
    }
  });
});
