// Liveness, readiness (both stores answer), Prometheus metrics and the OpenAPI document.
import type { FastifyPluginAsync } from 'fastify';
import { TesseraError } from '../../protocol/errors.ts';
import type { ServerContext } from '../serverContext.ts';

/** /healthz, /readyz, /metrics, /openapi.json. */
export const healthRoutes: FastifyPluginAsync<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const hide = { hide: true };
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
  app.get('/metrics', { config, schema: hide }, async (_request, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });
  app.get('/openapi.json', { config, schema: hide }, async () => app.swagger());
};
