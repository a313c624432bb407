// Admin API guard: `Authorization: Bearer <token>` compared in constant time against the
// configured admin token (both sides hashed first, so the length does not leak either), and
// the scope every admin plugin opens with: that guard on onRequest plus `no-store` answers.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TesseraError } from '../../protocol/errors.ts';
import { declareScopeAccess } from './routeAccess.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Makes a preHandler that refuses requests without the admin token. */
export function adminGuard(adminToken: string): (request: FastifyRequest) => Promise<void> {
  const expected = digest(adminToken);
  return async (request) => {
    const header = request.headers.authorization ?? '';
    const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      throw new TesseraError('admin.unauthorized', 'a valid admin bearer token is required');
    }
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
 * @example const { tags, security } = adminScope(app, opts.adminToken);
 */
export function adminScope(app: FastifyInstance, adminToken: string): AdminRouteDocs {
  declareScopeAccess(app, 'admin');
  app.addHook('onRequest', adminGuard(adminToken));
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });
  return { tags: ['admin'], security: [{ adminToken: [] }] };
}
