// Session renewal by the terminal SDK over real HTTP, with the server on an injected clock:
// a session close to its end is replaced by a fresh handshake before the next signed request
// (renewBeforeMs), a session the server already considers expired costs one refused request
// and exactly one new login (never a loop), and a revoked terminal cannot renew at all.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import type { FetchLike } from '../../src/terminal/httpTransport.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { BACKENDS, failureReasons, manualClock } from './attackKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

/** The server's default session lifetime (TESSERA_SESSION_TTL_SECONDS). */
const SESSION_TTL_MS = 900_000;
/** The server's default signature skew (TESSERA_SIGNATURE_SKEW_SECONDS), in ms. */
const SKEW_MS = 30_000;

/** One HTTP exchange the client made: the path, the status and, for a refusal, its problem code. */
interface Exchange {
  path: string;
  status: number;
  code?: string;
}

/** A fetch that forwards to the real one and logs every exchange; `alter` may change a request first. */
function loggingFetch(alter?: (init: Parameters<FetchLike>[1]) => Parameters<FetchLike>[1]): { fetch: FetchLike; log: Exchange[] } {
  const log: Exchange[] = [];
  return {
    log,
    async fetch(url, init) {
      const res = await fetch(url, (alter ? alter(init) : init) as RequestInit);
      const entry: Exchange = { path: new URL(url).pathname, status: res.status };
      if (res.status >= 400) entry.code = ((await res.clone().json()) as { code?: string }).code;
      log.push(entry);
      return res;
    },
  };
}

const hellos = (log: Exchange[]) => log.filter((e) => e.path === '/v1/auth/hello').length;

for (const { backend, skip } of BACKENDS) {
  describe(`session renewal by the terminal client (${backend})`, () => {
    const clock = manualClock();
    let server: TestServer;
    let counter = 0;
    before(async () => {
      if (skip) return;
      server = await startTestServer({ backend, now: clock.now });
    });
    after(() => server?.close());

    const terminal = async () => {
      const id = `T-renew-${backend}-${++counter}`;
      return { id, credential: await server.addTerminal(id) };
    };

    test('a session within renewBeforeMs of its end is renewed by a new handshake before the next request, nothing refused', { skip }, async () => {
      const renewBeforeMs = 60_000;
      const { credential } = await terminal();
      const { fetch, log } = loggingFetch();
      const client = new TerminalClient({ credential, primitives: nodePrimitives, fetch, now: clock.now, renewBeforeMs });

      const first = await client.request<{ sessionId: string }>('GET', '/v1/session');
      const firstSession = client.session!;
      assert.equal(first.body.sessionId, firstSession.sessionId);
      assert.equal(firstSession.expiresAt.getTime(), clock.now() + SESSION_TTL_MS);
      assert.equal(hellos(log), 1);

      // One second outside the renewal window: the session is kept.
      clock.advance(SESSION_TTL_MS - renewBeforeMs - 1000);
      const kept = await client.request<{ sessionId: string }>('GET', '/v1/session');
      assert.equal(kept.body.sessionId, firstSession.sessionId);
      assert.equal(hellos(log), 1, 'no handshake outside the renewal window');

      // One second inside it (the server still holds the old session): renewed first.
      clock.advance(2000);
      const renewed = await client.request<{ sessionId: string }>('GET', '/v1/session');
      const secondSession = client.session!;
      assert.notEqual(secondSession.sessionId, firstSession.sessionId);
      assert.equal(renewed.body.sessionId, secondSession.sessionId, 'the request went out under the new session');
      assert.equal(secondSession.expiresAt.getTime(), clock.now() + SESSION_TTL_MS);
      assert.equal(hellos(log), 2);
      assert.deepEqual(
        log.map((e) => `${e.path} ${e.status}`),
        ['/v1/auth/hello 200', '/v1/auth/finish 200', '/v1/session 200', '/v1/session 200', '/v1/auth/hello 200', '/v1/auth/finish 200', '/v1/session 200'],
        'the handshake ran before the request, and the server refused nothing',
      );
    });

    test('a session the server already expired costs one auth.session_invalid, then exactly one new login', { skip }, async () => {
      // The terminal's clock runs 20 s behind the server's (within the signature skew): it
      // still sees 20 s of session left, more than renewBeforeMs, when the server's ends it.
      const lag = 20_000;
      assert.ok(lag < SKEW_MS && lag > 5000);
      const { credential } = await terminal();
      const { fetch, log } = loggingFetch();
      const client = new TerminalClient({ credential, primitives: nodePrimitives, fetch, now: () => clock.now() - lag });
      await client.request('GET', '/v1/session');
      const expired = client.session!.sessionId;

      clock.advance(SESSION_TTL_MS);
      log.length = 0;
      const answer = await client.request<{ sessionId: string }>('GET', '/v1/session');
      assert.equal(answer.status, 200);
      assert.notEqual(client.session!.sessionId, expired);
      assert.equal(answer.body.sessionId, client.session!.sessionId);
      assert.deepEqual(
        log.map((e) => `${e.path} ${e.status}${e.code ? ` ${e.code}` : ''}`),
        ['/v1/session 401 auth.session_invalid', '/v1/auth/hello 200', '/v1/auth/finish 200', '/v1/session 200'],
      );
    });

    test('a session refused again right after the new login is not retried a second time', { skip }, async () => {
      // Every signed request names a session the server never issued, so each is refused.
      const unknownSession = randomBytes(16).toString('base64url');
      const { credential } = await terminal();
      const { fetch, log } = loggingFetch((init) => {
        const input = init.headers['signature-input'];
        if (input === undefined) return init;
        return { ...init, headers: { ...init.headers, 'signature-input': input.replace(/keyid="[^"]*"/, `keyid="${unknownSession}"`) } };
      });
      const client = new TerminalClient({ credential, primitives: nodePrimitives, fetch, now: clock.now });
      await assert.rejects(client.request('GET', '/v1/session'), (err) => isTesseraError(err, 'auth.session_invalid'));
      assert.deepEqual(
        log.map((e) => `${e.path} ${e.status}${e.code ? ` ${e.code}` : ''}`),
        ['/v1/auth/hello 200', '/v1/auth/finish 200', '/v1/session 401 auth.session_invalid', '/v1/auth/hello 200', '/v1/auth/finish 200', '/v1/session 401 auth.session_invalid'],
      );
    });

    test('a revoked terminal whose session ran out cannot renew it: auth.refused', { skip }, async () => {
      const { id, credential } = await terminal();
      const { fetch, log } = loggingFetch();
      const client = new TerminalClient({ credential, primitives: nodePrimitives, fetch, now: clock.now });
      assert.equal((await client.request('GET', '/v1/session')).status, 200);
      assert.equal((await server.admin('POST', `/v1/admin/terminals/${id}/revoke`)).status, 200);

      clock.advance(SESSION_TTL_MS + 1000);
      log.length = 0;
      await assert.rejects(client.request('GET', '/v1/session'), (err) => isTesseraError(err, 'auth.refused'));
      assert.deepEqual(
        log.map((e) => `${e.path} ${e.status}${e.code ? ` ${e.code}` : ''}`),
        ['/v1/auth/hello 200', '/v1/auth/finish 401 auth.refused'],
        'the renewal is refused and no signed request goes out',
      );
      assert.equal((await failureReasons(server.admin, id))[0], 'revoked');
    });
  });
}
