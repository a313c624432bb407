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
    const [durable, ephemeral] = await Promise.allSettled([ctx.durable.ping(), ctx.ephemeral.ping()]);
    const failed = [durable, ephemeral].flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failed.length > 0) {
      // The error handler logs it (as an outage, by its cause), so not here too.
      const cause = failed.length === 1 ? failed[0] : new AggregateError(failed, 'both stores failed');
      throw new TesseraError('server.unavailable', 'a backing store does not answer', { expose: true, cause });
    }
    return { status: 'ready' };
  });
  app.get('/openapi.json', { config, schema: { hide: true } }, async () => app.swagger());
};
