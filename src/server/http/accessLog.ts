// One access-log line per request, written when it is answered: method, URL (phone numbers
// masked by serializeRequest), client address, status and time taken. Fastify's own request
// logging writes two lines (one on arrival, one on completion), and at the default level the
// logs are a measurable share of a handshake's cost (`npm run bench:auth -- --log-level`).
// The arrival line is kept at debug, for tracing a request that never finishes.
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/** Fastify's `logController` option: its request lines, one per request. */
export class AccessLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
