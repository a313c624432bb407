// GET /metrics (Prometheus text), behind the admin token or TESSERA_METRICS_TOKEN: the
// failure counter tells an unknown terminal id from a wrong proof, the difference the
// handshake's answers hide from everyone else (docs/security.md, enumeration).
import type { FastifyPluginAsync } from 'fastify';
import { adminScope } from '../http/adminAuth.ts';
import type { AuthMetrics } from '../monitor/authMetrics.ts';

/** The metrics route. */
export const metricsRoutes: FastifyPluginAsync<{ metrics: AuthMetrics; adminToken: string; metricsToken: string | undefined }> = async (app, opts) => {
  const { security } = adminScope(app, opts.adminToken, opts.metricsToken);
  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics (admin or metrics token)', security, hide: true } }, async (_request, reply) => {
    const body = await opts.metrics.registry.metrics();
    return reply.type(opts.metrics.registry.contentType).send(body);
  });
};
