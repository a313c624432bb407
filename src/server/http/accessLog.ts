// One access-log line per request, written when it is answered: method, URL (phone numbers
// masked by serializeRequest), client address, status and time taken. Fastify's own request
// logging writes two lines (one on arrival, one on completion); at the default level that
// cost a quarter of the handshake rate in `npm run bench:auth` (docs/operations.md,
// Capacity). The arrival line is kept at debug, for tracing a request that never finishes.
import type { FastifyInstance } from 'fastify';

/**
 * Installs the access log; build the app with `disableRequestLogging: true` so Fastify does not
 * write its own two lines as well.
 */
export function registerAccessLog(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    request.log.debug({ req: request }, 'incoming request');
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });
}
