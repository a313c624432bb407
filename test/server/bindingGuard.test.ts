// The binding guard is one app-wide preHandler that reads the route's config at request time,
// so it fails closed however a route came to be sensitive, and it runs before any plugin's
// own preHandler; after a check that waited on the operator it reads the session again.
// The check itself is covered over HTTP in test/e2e/binding*.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { BINDING_HEADERS } from '../../src/protocol/binding/simIdentifiers.ts';
import { TesseraError } from '../../src/protocol/errors.ts';
import { createBindingGuard } from '../../src/server/http/bindingGuard.ts';
import { requireSignedRequests } from '../../src/server/http/signatureVerifier.ts';
import type { BindingCheck } from '../../src/server/services/binding/bindingCheck.ts';
import type { BindingRecord } from '../../src/server/store/types.ts';
import { iccid, imsi, msisdn, seSerial } from '../e2e/bindingKit.ts';

function appWithGuard(calls: string[]): FastifyInstance {
  const check: BindingCheck = {
    check: async () => {
      calls.push('check');
      throw new TesseraError('binding.required');
    },
  };
  const app = Fastify({ logger: false });
  app.setErrorHandler((err, _request, reply) => reply.code(400).send({ code: err instanceof TesseraError ? err.code : 'other' }));
  app.addHook('preHandler', createBindingGuard(check, async () => {
    calls.push('recheck');
  }));
  return app;
}

test('a route made sensitive by a plugin\'s onRoute hook is still guarded, before the plugin\'s preHandler', async () => {
  const calls: string[] = [];
  const app = appWithGuard(calls);
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), sensitive: true };
    });
    scope.addHook('preHandler', async () => {
      calls.push('plugin preHandler');
    });
    scope.post('/marked-later', async () => {
      calls.push('handler');
      return { ok: true };
    });
  });
  const res = await app.inject({ method: 'POST', url: '/marked-later', payload: {} });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().code, 'sig.missing');
  assert.deepEqual(calls, []);
  await app.close();
});

test('a route whose preHandlers are replaced by a later onRoute hook is still guarded', async () => {
  const calls: string[] = [];
  const app = appWithGuard(calls);
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.preHandler = [];
    });
    scope.post('/replaced', { config: { sensitive: true } }, async () => {
      calls.push('handler');
      return { ok: true };
    });
  });
  const res = await app.inject({ method: 'POST', url: '/replaced', payload: {} });
  assert.equal(res.json().code, 'sig.missing');
  assert.deepEqual(calls, []);
  await app.close();
});

test('a signed request on a sensitive route reaches the check, and its refusal stops the handler', async () => {
  const calls: string[] = [];
  const app = appWithGuard(calls);
  app.addHook('preValidation', async (request) => {
    request.session = { terminalId: 'T-1' } as NonNullable<typeof request.session>;
    request.signedComponents = Object.values(BINDING_HEADERS);
  });
  app.post('/secure', { config: { sensitive: true } }, async () => {
    calls.push('handler');
    return {};
  });
  app.post('/plain', async () => {
    calls.push('plain handler');
    return {};
  });
  const res = await app.inject({
    method: 'POST',
    url: '/secure',
    payload: {},
    headers: { [BINDING_HEADERS.iccid]: iccid(1), [BINDING_HEADERS.imsi]: imsi(1), [BINDING_HEADERS.msisdn]: msisdn(1), [BINDING_HEADERS.seSerial]: seSerial(1) },
  });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().code, 'binding.required', res.body);
  assert.deepEqual(calls, ['check']);
  assert.equal((await app.inject({ method: 'POST', url: '/plain', payload: {} })).statusCode, 200);
  assert.deepEqual(calls, ['check', 'plain handler']);
  await app.close();
});

test('the session is read again only after a check that waited on the operator, and its refusal stops the handler', async () => {
  const calls: string[] = [];
  let waited = false;
  let revoked = false;
  const binding = { id: 'B-1' } as BindingRecord;
  const check: BindingCheck = {
    check: async () => {
      calls.push('check');
      return { binding, waited };
    },
  };
  const app = Fastify({ logger: false });
  app.setErrorHandler((err, _request, reply) => reply.code(400).send({ code: err instanceof TesseraError ? err.code : 'other' }));
  app.addHook('preHandler', createBindingGuard(check, async () => {
    calls.push('recheck');
    if (revoked) throw new TesseraError('auth.session_invalid');
  }));
  app.addHook('preValidation', async (request) => {
    request.session = { terminalId: 'T-1' } as NonNullable<typeof request.session>;
    request.signedComponents = Object.values(BINDING_HEADERS);
  });
  app.post('/secure', { config: { sensitive: true } }, async (request) => {
    calls.push(`handler ${request.binding?.id}`);
    return {};
  });
  const call = () =>
    app.inject({
      method: 'POST',
      url: '/secure',
      payload: {},
      headers: { [BINDING_HEADERS.iccid]: iccid(1), [BINDING_HEADERS.imsi]: imsi(1), [BINDING_HEADERS.msisdn]: msisdn(1), [BINDING_HEADERS.seSerial]: seSerial(1) },
    });
  assert.equal((await call()).statusCode, 200);
  assert.deepEqual(calls.splice(0), ['check', 'handler B-1'], 'an answer from the cache (or no operator): no second read');
  waited = true;
  assert.equal((await call()).statusCode, 200);
  assert.deepEqual(calls.splice(0), ['check', 'recheck', 'handler B-1']);
  revoked = true;
  const res = await call();
  assert.equal(res.json().code, 'auth.session_invalid');
  assert.deepEqual(calls.splice(0), ['check', 'recheck']);
  await app.close();
});

test('a signed route that declares no capability stops the app from starting; one that does is guarded by the verifier', async () => {
  const forgetful = Fastify({ logger: false });
  await assert.rejects(async () => {
    await forgetful.register(async (scope) => {
      requireSignedRequests(scope, async () => {});
      scope.get('/v1/forgot', async () => ({ ok: true }));
    });
    await forgetful.ready();
  }, /route GET \/v1\/forgot is 'signed' but declares no capability/);

  const verified: string[] = [];
  const app = Fastify({ logger: false });
  await app.register(async (scope) => {
    requireSignedRequests(scope, async (request) => {
      verified.push(request.url);
      throw new TesseraError('sig.missing');
    });
    scope.get('/v1/declared', { config: { capability: 'session' } }, async () => ({ ok: true }));
  });
  const res = await app.inject({ method: 'GET', url: '/v1/declared' });
  assert.equal(res.statusCode, 401);
  assert.deepEqual(verified, ['/v1/declared']);
  await app.close();
});
