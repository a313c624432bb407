// RFC 9457 problem+json for every error the API returns. Known errors keep their stable
// code; a store outage is a 503 to retry; anything else unexpected becomes a generic 500
// whose detail goes to the log only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, type ErrorCode, TesseraError } from '../../protocol/errors.ts';
import { isBackendOutage } from './backendOutage.ts';
import { headerLinesProblem } from './hostHeader.ts';
import { OutageLog } from './outageLog.ts';
import { RouteMethods } from './routeMethods.ts';

/** The body of every error response. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  field?: string;
  instance?: string;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'input.malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'input.malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'input.body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'input.unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'input.invalid',
  FST_ERR_VALIDATION: 'input.invalid',
};

/** Maps any thrown value to a TesseraError (a store outage to `server.unavailable`, anything else unknown to `server.internal`). */
export function toTesseraError(err: unknown): TesseraError {
  if (err instanceof TesseraError) return err;
  const fe = err as Partial<FastifyError>;
  const code = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (fe.code === 'FST_ERR_MAX_PARAM_LENGTH') return new TesseraError('input.invalid', 'a path segment is longer than 100 characters');
  if (code) {
    const field = fe.validation?.[0]?.instancePath?.replace(/^\//, '').replace(/\//g, '.') || undefined;
    const detail = code === 'input.invalid' && fe.validation ? `${fe.validationContext ?? 'body'}${field ? `.${field}` : ''} ${fe.validation[0]?.message ?? 'is invalid'}` : ERROR_CATALOGUE[code].title;
    return new TesseraError(code, detail, field === undefined ? {} : { field });
  }
  // Any other framework refusal of the request: its code's own status, never a mismatch.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return new TesseraError('input.invalid', 'the request is not acceptable');
  if (isBackendOutage(err)) return new TesseraError('server.unavailable', 'a backing store does not answer; try again later', { cause: err, expose: true, retryAfterSeconds: 5 });
  return new TesseraError('server.internal', undefined, { cause: err });
}

/** The members every problem of `code` has: type, title, status and code, from the catalogue. */
function problemOf(code: ErrorCode): ProblemDetails {
  const { status, title } = ERROR_CATALOGUE[code];
  return { type: `https://tessera.dev/errors/${code}`, title, status, code };
}

/** Sends a problem+json reply for the error. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: TesseraError): FastifyReply {
  const body: ProblemDetails = { ...problemOf(error.code), status: error.status, instance: request.url.split('?')[0] };
  if (error.expose && error.message !== body.title) body.detail = error.message;
  if (error.field) body.field = error.field;
  if (error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(Math.ceil(error.retryAfterSeconds)));
  return reply.code(error.status).type('application/problem+json').send(body);
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a URL that cannot be
 * decoded, an over-long path parameter) become problem+json too, not Fastify's own JSON.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (!refusedForHost(request, reply)) void sendProblem(request, reply, toTesseraError(err));
  // Fastify writes no access line for a request refused before routing (nor times it); this is it.
  request.log.info({ req: request, res: reply }, 'request completed');
}

/** The problem+json body of a refusal made below Fastify. */
function problemBody(code: ErrorCode, detail?: string): string {
  return JSON.stringify(detail ? { ...problemOf(code), detail } : problemOf(code));
}

/** The problem+json bytes of a refusal made below Fastify, on the raw socket (`extraHeaders`: whole `Name: value\r\n` lines). */
function rawProblem(code: ErrorCode, extraHeaders = ''): string {
  const { status, title } = ERROR_CATALOGUE[code];
  const body = problemBody(code);
  return `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}Connection: close\r\n\r\n${body}`;
}

/**
 * node:http's `connect` listener: CONNECT (a proxy tunnel request) is a method no route has,
 * and without a listener node:http drops the socket unanswered. The socket is ours from here,
 * outside node:http's timeouts and `closeAllConnections`, so it is destroyed once the answer
 * is written, or after 5 s if the client does not read it: a client that keeps its side open
 * can hold neither a descriptor nor the server's shutdown.
 */
export function refuseConnect(socket: Socket): void {
  socket.on('error', () => {});
  socket.setTimeout(5000, () => socket.destroy());
  socket.end(rawProblem('input.method_not_allowed', 'Allow: GET, HEAD, POST\r\n'), () => socket.destroy());
}

/**
 * node:http's `checkExpectation` listener: a request whose `Expect` is not `100-continue`
 * gets `417 input.expectation_failed` as problem+json (node:http alone sends an empty 417),
 * and the connection closes, since the body, if any, was not read.
 */
export function refuseExpectation(request: IncomingMessage, response: ServerResponse): void {
  const body = problemBody('input.expectation_failed', 'only "Expect: 100-continue" is understood');
  response.writeHead(417, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), connection: 'close' });
  response.end(body);
  request.resume();
}

/**
 * An HTTP/1.1 request without a Host header, or any request whose Host is not a host or
 * that repeats Host or Authorization, gets `400 input.malformed_request` as problem+json
 * (RFC 9112 §3.2; hostHeader.ts), where node:http alone sends an empty 400 or keeps the first
 * line. Installed as the first `onRequest` hook, with node:http's own check turned off
 * (`requireHostHeader: false`).
 */
export function requireHost(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  if (!refusedForHost(request, reply)) done();
}

/** Answers a request refused for its Host or Authorization lines (and closes the connection); false when they are fine. */
function refusedForHost(request: FastifyRequest, reply: FastifyReply): boolean {
  const raw = request.raw;
  const problem = headerLinesProblem(raw.rawHeaders, raw.headers.host, raw.httpVersionMajor === 1 && raw.httpVersionMinor === 1);
  if (problem === undefined) return false;
  void reply.header('connection', 'close');
  void sendProblem(request, reply, new TesseraError('input.malformed_request', problem));
  return true;
}

/**
 * Fastify's `clientErrorHandler` option: a request node:http could not parse (bad request
 * line, bad or conflicting lengths, oversized headers) or that timed out gets problem+json
 * too, then the connection is closed, as node:http does.
 */
export function clientErrorHandler(this: FastifyInstance | undefined, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'input.headers_too_large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'input.request_timeout' : 'input.malformed_request';
  // Its access line: there is no request to log, only the connection and why.
  this?.log.info({ remoteAddress: socket.remoteAddress, parseError: err.code, code }, 'refused a request node:http could not parse');
  // As node:http does: never write into a response whose head is already on the wire.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(rawProblem(code));
  socket.destroy(err);
}

/** Installs the error and not-found handlers on an app; call it before registering routes. */
export function registerProblemDetails(app: FastifyInstance, outages = new OutageLog()): void {
  app.addHook('onRequest', requireHost);
  app.server.on('connect', (request: IncomingMessage, socket: Socket) => {
    app.log.info({ method: request.method, remoteAddress: socket.remoteAddress }, 'refused a CONNECT request');
    refuseConnect(socket);
  });
  app.server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    app.log.info({ method: request.method, url: request.url?.split('?')[0] }, 'refused a request whose Expect is not 100-continue');
    refuseExpectation(request, response);
  });
  const routes = new RouteMethods();
  app.addHook('onRoute', routes.add);
  // Counts of outages not yet written are written at close, not lost.
  app.addHook('onClose', async () => outages.flushAll());
  app.setErrorHandler((err, request, reply) => {
    const error = toTesseraError(err);
    if (error.code === 'server.unavailable') outages.report(request.log, err);
    else if (error.status >= 500) request.log.error({ err }, 'request failed');
    return sendProblem(request, reply, error);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = routes.allowed(path);
    if (allowed.length === 0) return sendProblem(request, reply, new TesseraError('input.not_found', `no route ${request.method} ${path}`));
    void reply.header('allow', allowed.join(', '));
    return sendProblem(request, reply, new TesseraError('input.method_not_allowed', `${path} answers ${allowed.join(', ')}, not ${request.method}`));
  });
}
