// JSON body parsing that keeps the exact bytes received, so signed requests can check
// Content-Digest against what was actually sent. Uses Fastify's own hardened JSON parser
// (prototype-poisoning protection) on top. JSON is the only body the API accepts: any other
// content type is refused with 415, so no body can reach a route without its raw bytes.
import type { FastifyInstance } from 'fastify';
import { TesseraError } from '../../protocol/errors.ts';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './jsonDepth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes as received (empty for a request without a body). */
    rawBody?: Buffer;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a request's framing or coding is refused before its body is read, or undefined. */
function codingRefusal(headers: Record<string, string | string[] | undefined>): TesseraError | undefined {
  const coding = headers['content-encoding'];
  if (coding !== undefined && (typeof coding !== 'string' || coding.trim().toLowerCase() !== 'identity')) {
    return new TesseraError('input.unsupported_media_type', 'a Content-Encoding is not accepted: send the body as it is');
  }
  // node:http accepts "gzip, chunked" and removes only the chunking: the gzip bytes would be parsed as they are.
  const transfer = headers['transfer-encoding'];
  if (transfer !== undefined && (typeof transfer !== 'string' || transfer.trim().toLowerCase() !== 'chunked')) {
    return new TesseraError('input.unsupported_media_type', 'a Transfer-Encoding other than chunked is not accepted');
  }
  return undefined;
}

/**
 * Replaces the JSON content-type parser with one that records `request.rawBody`, and drops
 * Fastify's text/plain parser. A body with a Content-Encoding (gzip, …) or a transfer coding
 * other than chunked is refused with 415 (RFC 9110 §15.5.16): nothing here decodes one, and an
 * upload would otherwise be stored and signed still encoded. A JSON body nested deeper than
 * {@link MAX_JSON_DEPTH} is refused (`input.invalid`), and so is one with a `__proto__` or
 * `constructor.prototype` member (prototype poisoning; `input.invalid`, since it is valid JSON).
 */
export function registerRawJsonBody(app: FastifyInstance, bodyLimit: number): void {
  // preParsing: after every onRequest guard (an admin route without its token is refused as such first).
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const refusal = codingRefusal(request.headers);
    if (refusal) done(refusal);
    else done(null, payload);
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
    parseJson(request, text, (err, parsed) => {
      if (err) done(isPlainJson(text) ? new TesseraError('input.invalid', 'a member named __proto__, or constructor with a prototype member, is not accepted') : err, undefined);
      else if (exceedsJsonDepth(raw, MAX_JSON_DEPTH)) done(new TesseraError('input.invalid', `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      else done(null, parsed);
    });
  });
}

/** True when the text is JSON after all: Fastify's parser then refused it for prototype poisoning alone. */
function isPlainJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
