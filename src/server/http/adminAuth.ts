// Admin API guard: `Authorization: Bearer <token>` (the scheme in any case, RFC 9110 §11.1)
// compared in constant time against the configured admin token (both sides hashed first, so
// the length does not leak either), and the scope every admin plugin opens with: that guard
// on onRequest plus `no-store` answers.
// A scope may also accept a second, narrower token (the metrics token of /metrics).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TesseraError } from '../../protocol/errors.ts';
import { declareScopeAccess } from './routeAccess.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Makes a preHandler that refuses requests without one of the tokens (every one is compared). */
export function adminGuard(tokens: readonly string[]): (request: FastifyRequest) => Promise<void> {
  const expected = tokens.map(digest);
  return async (request) => {
    const header = request.headers.authorization ?? '';
    const m = /^bearer ([\x21-\x7e]{1,512})$/i.exec(header);
    const presented = m ? digest(m[1]!) : undefined;
    let matched = false;
    for (const e of expected) matched = (presented !== undefined && timingSafeEqual(presented, e)) || matched;
    if (!matched) throw new TesseraError('admin.unauthorized', 'a valid admin bearer token is required');
  };
}

/** The OpenAPI `tags` and `security` of an admin route. */
export interface AdminRouteDocs {
  tags: string[];
  security: Array<Record<string, string[]>>;
}

/**
 * Makes the plugin `app` an admin scope: every request is checked for the admin token on
 * onRequest (before its body is read or validated, so a refusal is `admin.unauthorized`
 * whatever the body), and every answer, refusals included, carries `cache-control: no-store`.
 * Call it first thing in the plugin; the hooks stay inside the plugin (Fastify encapsulation).
 * `alsoAccepted`, when set, is a second token the scope's routes accept besides the admin token.
 * @example const { tags, security } = adminScope(app, opts.adminToken);
 */
export function adminScope(app: FastifyInstance, adminToken: string, alsoAccepted?: string): AdminRouteDocs {
  declareScopeAccess(app, 'admin');
  app.addHook('onRequest', adminGuard(alsoAccepted ? [adminToken, alsoAccepted] : [adminToken]));
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });
  return { tags: ['admin'], security: [{ adminToken: [] }] };
}
