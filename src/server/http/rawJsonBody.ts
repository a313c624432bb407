// JSON body parsing that keeps the exact bytes received, so signed requests can check
// Content-Digest against what was actually sent. Uses Fastify's own hardened JSON parser
// (prototype-poisoning protection) on top. JSON is the only body the API accepts: any other
// content type is refused with 415, so no body can reach a route without its raw bytes.
import type { FastifyInstance } from 'fastify';
import { TesseraError } from '../../protocol/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes as received (empty for a request without a body). */
    rawBody?: Buffer;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Replaces the JSON content-type parser with one that records `request.rawBody`, and drops
 * Fastify's text/plain parser. A body with a Content-Encoding (gzip, …) is refused with 415
 * (RFC 9110 §15.5.16): nothing here decodes one, and an upload would otherwise be stored and
 * signed still encoded.
 */
export function registerRawJsonBody(app: FastifyInstance, bodyLimit: number): void {
  // preParsing: after every onRequest guard (an admin route without its token is refused as such first).
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const coding = request.headers['content-encoding'];
    if (coding === undefined || coding.trim().toLowerCase() === 'identity') done(null, payload);
    else done(new TesseraError('input.unsupported_media_type', 'a Content-Encoding is not accepted: send the body as it is'));
  });
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    let text: string;
    try {
      text = strictUtf8.decode(raw);
    } catch {
      done(new TesseraError('input.malformed_json', 'the body is not valid UTF-8'), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
