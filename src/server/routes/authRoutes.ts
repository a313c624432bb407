// POST /v1/auth/hello and /v1/auth/finish: schema-validate, call the auth service.
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AuthService } from '../services/authService.ts';
import { FinishBody, FinishReply, HelloBody, HelloReply, Problem } from './schemas.ts';

/** The handshake routes. */
export const authRoutes: FastifyPluginAsync<{ auth: AuthService }> = async (app, { auth }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.post(
    '/v1/auth/hello',
    { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Start a mutual handshake', body: HelloBody, response: { 200: HelloReply, '4xx': Problem } } },
    (request) => auth.hello(request.body, request.ip),
  );
  r.post(
    '/v1/auth/finish',
    { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Finish a mutual handshake', body: FinishBody, response: { 200: FinishReply, '4xx': Problem } } },
    (request) => auth.finish(request.body, request.ip),
  );
};
