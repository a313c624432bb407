// One access-log line per request, written when it is answered: method, URL (phone numbers
// masked by serializeRequest), client address, status and time taken. Fastify's own request
// logging writes two lines (one on arrival, one on completion), and at the default level the
// logs are a measurable share of a handshake's cost (`npm run bench:auth -- --log-level`).
// The arrival line is kept at debug, for tracing a request that never finishes.
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
