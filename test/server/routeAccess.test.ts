// Every route says who may call it: public, admin (the admin scope sets it), or signed with a
// capability (the signed scope sets it). A route without a declaration, or a capability that
// no signed scope would check, stops the app from starting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { adminScope } from '../../src/server/http/adminAuth.ts';
import { accessProblem, registerRouteAccess } from '../../src/server/http/routeAccess.ts';
import { requireSignedRequests } from '../../src/server/http/signatureVerifier.ts';

test('accessProblem: public passes; admin and signed pass only when their scope set them; anything else is named', () => {
  assert.equal(accessProblem({ method: 'GET', url: '/a', config: { access: 'public' } }), undefined);
  assert.match(accessProblem({ method: 'GET', url: '/a', config: { access: 'admin' } }) ?? '', /route GET \/a claims 'admin' access outside the scope that checks it/);
  assert.match(accessProblem({ method: 'POST', url: '/a', config: { access: 'signed', capability: 'session' } }) ?? '', /claims 'signed' access outside the scope/);
  assert.match(accessProblem({ method: 'GET', url: '/none' }) ?? '', /route GET \/none declares no access/);
  assert.match(accessProblem({ method: ['GET', 'HEAD'], url: '/x', config: { access: 'secret' as 'public' } }) ?? '', /route GET,HEAD \/x declares no access/);
  assert.match(accessProblem({ method: 'GET', url: '/p', config: { access: 'public', capability: 'update' } }) ?? '', /is 'public' but declares a capability that nothing checks/);
  assert.match(accessProblem({ method: 'GET', url: '/s', config: { access: 'signed' } }) ?? '', /is 'signed' but declares no capability/);
});

test('the scopes set the access of their routes; an app whose routes all declare one gets ready', async () => {
  const app = Fastify({ logger: false });
  registerRouteAccess(app);
  const seen = new Map<string, unknown>();
  app.addHook('onRoute', (route) => {
    seen.set(`${route.method} ${route.url}`, route);
  });
  app.get('/open', { config: { access: 'public' } }, async () => ({}));
  await app.register(async (scope) => {
    adminScope(scope, 'token');
    scope.get('/admin', async () => ({}));
  });
  await app.register(async (scope) => {
    requireSignedRequests(scope, async () => {});
    scope.get('/signed', { config: { capability: 'session' } }, async () => ({}));
  });
  await app.ready();
  const accessOf = (key: string) => (seen.get(key) as { config?: { access?: string } }).config?.access;
  assert.deepEqual(['GET /open', 'GET /admin', 'GET /signed', 'HEAD /admin'].map(accessOf), ['public', 'admin', 'signed', 'admin']);
  await app.close();
});

test('a route without a declaration, with a capability outside a signed scope, or claiming admin or signed by itself, stops the app getting ready; a scope refuses a conflicting declaration', async () => {
  const bare = Fastify({ logger: false });
  registerRouteAccess(bare);
  bare.get('/v1/forgot', async () => ({}));
  await assert.rejects(async () => {
    await bare.ready();
  }, /route GET \/v1\/forgot declares no access/);
  await bare.close();

  const unchecked = Fastify({ logger: false });
  registerRouteAccess(unchecked);
  unchecked.get('/v1/payments', { config: { access: 'public', capability: 'pay' } }, async () => ({}));
  await assert.rejects(async () => {
    await unchecked.ready();
  }, /route GET \/v1\/payments is 'public' but declares a capability that nothing checks/);
  await unchecked.close();

  for (const [url, config] of [
    ['/v1/admin/self-declared', { access: 'admin' as const }],
    ['/v1/payments/self-declared', { access: 'signed' as const, capability: 'pay' }],
  ] as const) {
    const app = Fastify({ logger: false });
    registerRouteAccess(app);
    app.get(url, { config }, async () => ({ ok: true }));
    await assert.rejects(async () => {
      await app.ready();
    }, /claims '(admin|signed)' access outside the scope that checks it/, url);
    await app.close();
  }

  const conflicting = Fastify({ logger: false });
  await assert.rejects(async () => {
    await conflicting.register(async (scope) => {
      adminScope(scope, 'token');
      scope.get('/v1/admin/open', { config: { access: 'public' } }, async () => ({}));
    });
  }, /route GET \/v1\/admin\/open declares access 'public' inside a scope that is 'admin'/);
  await conflicting.close();
});
