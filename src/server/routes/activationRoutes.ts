// POST /v1/activate: a provisioned terminal spends a purchased activation code (signed
// request; the `activate` capability exists only in sessions of provisioned terminals whose
// hardware evidence matched, so a restricted session cannot call it).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { requireSignedRequests, type SignatureVerifier } from '../http/signatureVerifier.ts';
import type { ActivationService } from '../services/activation/activationService.ts';
import { ActivateBody, ActivateReply } from './activationSchemas.ts';
import { Problem } from './schemas.ts';

/** Options of the activation route. */
export interface ActivationRouteOptions {
  activation: ActivationService;
  verifier: SignatureVerifier;
  /**
   * SIM binding (docs/binding.md): when true the route is `sensitive`, so the binding guard
   * requires an active binding and the signed SIM/SE facts before the handler runs
   * (TESSERA_ACTIVATION_REQUIRES_BINDING, default true).
   */
  requiresBinding: boolean;
}

/** The activation route. */
export const activationRoutes: FastifyPluginAsync<ActivationRouteOptions> = async (app, { activation, verifier, requiresBinding }) => {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  requireSignedRequests(r, verifier);
  r.post(
    '/v1/activate',
    {
      // SIM binding: `sensitive` is the binding guard's switch (see requiresBinding above).
      config: { capability: 'activate', sensitive: requiresBinding },
      schema: {
        tags: ['activation'],
        security: [{ httpSignature: [] }],
        summary: 'Spend a purchased activation code: the terminal becomes active (code format XXXX-XXXX-XXXX-XXXX-C)',
        body: ActivateBody,
        response: { 200: ActivateReply, '4xx': Problem },
      },
    },
    async (request) => {
      const out = await activation.activate({ terminalId: request.session!.terminalId, code: request.body.code, source: request.ip });
      return { ...out, activatedAt: out.activatedAt.toISOString() };
    },
  );
};
