// One access-log line per request, written when it is answered: method, URL (phone numbers
// masked by serializeRequest), client address, status and time taken. Fastify's own request
// logging writes two lines (one on arrival, one on completion), and at the default level the
// logs are a measurable share of a handshake's cost (`npm run bench:auth -- --log-level`).
// The arrival line is kept at debug, for tracing a request that never finishes.
//
// With the server's own logger, the access line holds only what its request serializer
// (serializeRequest: method, masked URL, host, client address, Accept-Version) and Fastify's
// reply serializer (status) put in it, which no redaction path matches. So it goes through a
// child of the app logger without redaction: pino's redaction of wildcard paths cost several
// times the rest of the line. Every other line (errors included) keeps the redacting logger,
// and so does the access line of a request whose logger differs from the app's (a route's
// own level or serializers) or of an app built with other logger options.
import { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { logsAsApp } from './requestLogger.ts';

/** Fastify's `logController` option: its request lines, one per request. */
export class AccessLogController extends LogController {
  #accessLogger: FastifyBaseLogger | undefined;

  /**
   * Gives the controller the app's logger, once the app has one; until then, and without it,
   * the request's own logger is used. Only for the server's own logger options, whose
   * serializers put nothing secret on the line.
   */
  attach(appLogger: FastifyBaseLogger): void {
    this.#accessLogger = appLogger.child({}, { redact: { paths: [] } });
  }

  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else if (this.#accessLogger === undefined || !logsAsApp(reply.log)) reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    else this.#accessLogger.info({ [this.requestIdLogLabel]: request.id, req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
