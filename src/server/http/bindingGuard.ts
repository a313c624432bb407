// The binding check of sensitive routes. A route declares `config: { sensitive: true }`
// (besides its `capability`); this preHandler, installed once on the app, runs after the
// route's signature verifier and before its handler: no verified session, no call; then
// the facts in the signed headers must match the terminal's active binding. When the check
// waited on the operator's SIM Swap API (up to 5 s), the terminal is read again before the
// handler runs, so a terminal revoked during that wait is refused like any revoked one.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TesseraError } from '../../protocol/errors.ts';
import type { BindingCheck } from '../services/binding/bindingCheck.ts';
import type { BindingRecord } from '../store/types.ts';
import { readPresentedFacts } from './bindingFacts.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The binding a sensitive request was checked against. */
    binding?: BindingRecord;
  }
  interface FastifyContextConfig {
    /** The route needs a signed session and a matching SIM/secure-element binding. */
    sensitive?: boolean;
  }
}

/**
 * Makes the preHandler. Routes without `sensitive` pass untouched; a sensitive route
 * without a verified signature is refused (fail closed, whatever the route forgot). It is in
 * callback style so that the other routes, every handshake among them, pass without a
 * promise; the check of a sensitive route reports through `done`. `recheckSession` re-reads
 * the terminal of the request's session and refuses it (signatureVerifier.ts
 * createSessionRecheck); it runs only after a check that waited on the operator.
 */
export function createBindingGuard(
  check: BindingCheck,
  recheckSession: (request: FastifyRequest) => Promise<void>,
): (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void {
  const guard = async (request: FastifyRequest): Promise<void> => {
    const session = request.session;
    if (!session || !request.signedComponents) throw new TesseraError('sig.missing', 'a sensitive call must be a signed request');
    const facts = readPresentedFacts(request, { requireMsisdn: true });
    const checked = await check.check({ terminalId: session.terminalId, facts: { ...facts, msisdn: facts.msisdn! }, source: request.ip });
    if (checked.waited) await recheckSession(request);
    request.binding = checked.binding;
  };
  return (request, _reply, done) => {
    if (request.routeOptions.config.sensitive !== true) {
      done();
      return;
    }
    guard(request).then(() => done(), done);
  };
}
