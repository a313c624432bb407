// Liveness, readiness (both stores answer) and the OpenAPI document: public. The metrics are
// in metricsRoutes.ts, behind a token.
import type { FastifyPluginAsync } from 'fastify';
import { TesseraError } from '../../protocol/errors.ts';
import type { ServerContext } from '../serverContext.ts';

/** /healthz, /readyz, /openapi.json. */
export const healthRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const config = { access: 'public' as const };
  app.get('/healthz', { config, schema: { tags: ['ops'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config, schema: { tags: ['ops'], summary: 'Readiness: the durable and ephemeral stores answer' } }, async () => {
    try {
      await Promise.all([ctx.durable.ping(), ctx.ephemeral.ping()]);
    } catch (err) {
      ctx.log.warn({ err }, 'readiness check failed');
      throw new TesseraError('server.unavailable', 'a backing store does not answer', { expose: true });
    }
    return { status: 'ready' };
  });
  app.get('/openapi.json', { config, schema: { hide: true } }, async () => app.swagger());
};
