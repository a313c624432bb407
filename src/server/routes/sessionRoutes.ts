// Routes that need a signed session: GET /v1/session (what the server knows of the
// session) and POST /v1/session/echo (returns the signed JSON body, for integration checks).
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireSignedRequests, type SignatureVerifier } from '../http/signatureVerifier.ts';
import { EchoBody, EchoReply, Problem, SessionReply } from './schemas.ts';

/** Signed-session routes. */
export const sessionRoutes: FastifyPluginAsync<{ verifier: SignatureVerifier }> = async (app, { verifier }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ httpSignature: [] }];
  requireSignedRequests(r, verifier);
  r.get(
    '/v1/session',
    { config: { capability: 'session' }, schema: { tags: ['session'], security, summary: 'The current session (RFC 9421-signed request)', response: { 200: SessionReply, '4xx': Problem } } },
    async (request) => {
      const s = request.session!;
      return { sessionId: s.sessionId, terminalId: s.terminalId, suite: s.handshake.suite, expiresAt: new Date(s.expiresAt).toISOString(), capabilities: s.capabilities };
    },
  );
  r.post(
    '/v1/session/echo',
    { config: { capability: 'session' }, schema: { tags: ['session'], security, summary: 'Echo a signed JSON body', body: EchoBody, response: { 200: EchoReply, '4xx': Problem } } },
    async (request) => ({ terminalId: request.session!.terminalId, body: request.body }),
  );
};
