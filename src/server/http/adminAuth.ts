// Admin API guard: `Authorization: Bearer <token>` compared in constant time against the
// configured admin token (both sides hashed first, so the length does not leak either).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { TesseraError } from '../../protocol/errors.ts';

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
