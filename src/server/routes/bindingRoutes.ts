// The terminal's binding API (signed requests) and the example sensitive route:
// POST /v1/bindings, POST /v1/bindings/:id/confirm, GET /v1/bindings/current,
// POST /v1/bindings/current/release, POST /v1/secure/echo.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { TesseraError } from '../../protocol/errors.ts';
import { readPresentedFacts } from '../http/bindingFacts.ts';
import { requireSignedRequests, type SignatureVerifier } from '../http/signatureVerifier.ts';
import type { BindingServices } from '../services/binding/bindingServices.ts';
import { normalizeMsisdn } from '../services/binding/msisdn.ts';
import { BindingParams, BindingReply, ConfirmBindingBody, RegisterBindingBody, RegisterBindingReply, SecureEchoBody, SecureEchoReply } from './bindingSchemas.ts';
import { Problem } from './schemas.ts';

/** Options of the binding routes. */
export interface BindingRouteOptions {
  bindings: BindingServices;
  verifier: SignatureVerifier;
}

/** Signed binding routes. */
export const bindingRoutes: FastifyPluginAsync<BindingRouteOptions> = async (app, { bindings, verifier }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ httpSignature: [] }];
  const tags = ['bindings'];
  requireSignedRequests(r, verifier);

  r.post(
    '/v1/bindings',
    {
      config: { capability: 'session' },
      schema: { tags, security, summary: 'Register a SIM binding: sends a one-time code to the number (facts in signed tessera-sim-*/tessera-se-serial headers)', body: RegisterBindingBody, response: { 202: RegisterBindingReply, '4xx': Problem } },
    },
    async (request, reply) => {
      const msisdn = normalizeMsisdn(request.body.msisdn);
      const facts = readPresentedFacts(request, { requireMsisdn: false });
      if (facts.msisdn !== undefined && facts.msisdn !== msisdn) {
        throw new TesseraError('input.invalid_msisdn', 'the number differs from the one the SIM reports', { field: 'msisdn' });
      }
      const out = await bindings.registration.register({ terminalId: request.session!.terminalId, appId: request.body.appId, facts: { ...facts, msisdn }, source: request.ip });
      return reply.code(202).send(out);
    },
  );
  r.post(
    '/v1/bindings/:id/confirm',
    { config: { capability: 'session' }, schema: { tags, security, summary: 'Confirm a registration with its code; the binding becomes active', params: BindingParams, body: ConfirmBindingBody, response: { 200: BindingReply, '4xx': Problem } } },
    (request) => bindings.registration.confirm({ terminalId: request.session!.terminalId, bindingId: request.params.id, code: request.body.code, source: request.ip }),
  );
  r.get(
    '/v1/bindings/current',
    { config: { capability: 'session' }, schema: { tags, security, summary: 'The terminal\'s current (active or suspended) binding', response: { 200: BindingReply, '4xx': Problem } } },
    (request) => bindings.admin.current(request.session!.terminalId),
  );
  r.post(
    '/v1/bindings/current/release',
    { config: { capability: 'session' }, schema: { tags, security, summary: 'End the terminal\'s current binding (the user unbinds the app)', response: { 200: BindingReply, '4xx': Problem } } },
    (request) => bindings.admin.releaseOwn(request.session!.terminalId, request.ip),
  );
  r.post(
    '/v1/secure/echo',
    {
      config: { capability: 'session', sensitive: true },
      schema: { tags: ['secure'], security, summary: 'Example sensitive call: echoes the body once the SIM/SE facts match the binding', body: SecureEchoBody, response: { 200: SecureEchoReply, '4xx': Problem } },
    },
    async (request) => ({ terminalId: request.session!.terminalId, bindingId: request.binding!.id, body: request.body }),
  );
};
