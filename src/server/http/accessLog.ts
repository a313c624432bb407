// One access-log line per request, written when it is answered: method, URL (phone numbers
// masked by serializeRequest), client address, status and time taken. Fastify's own request
// logging writes two lines (one on arrival, one on completion), and at the default level the
// logs are a measurable share of a handshake's cost (`npm run bench:auth -- --log-level`).
// The arrival line is kept at debug, for tracing a request that never finishes.
//
// The access line holds only what the request serializer and Fastify's reply serializer put
// in it, so it goes through a child of the app logger without redaction: pino's redaction of
// wildcard paths costs several times the rest of the line. Every other line (errors included)
// keeps the redacting logger.
import { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/** Fastify's `logController` option: its request lines, one per request. */
export class AccessLogController extends LogController {
  #accessLogger: FastifyBaseLogger | undefined;

  /** Gives the controller the app's logger, once the app has one; until then the request's logger is used. */
  attach(appLogger: FastifyBaseLogger): void {
    this.#accessLogger = appLogger.child({}, { redact: { paths: [] } });
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    // A route (or plugin) with a log level of its own logs through its own child, at that level.
    else if (this.#accessLogger === undefined || request.routeOptions.logLevel) reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else this.#accessLogger.info({ reqId: request.id, req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
