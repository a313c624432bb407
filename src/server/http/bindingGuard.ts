// The binding check of sensitive routes. A route declares `config: { sensitive: true }`
// (besides its `capability`); this preHandler, attached by an onRoute hook installed before
// any route, runs after the route's signature verifier and before its handler: no verified
// session, no call; then the facts in the signed headers must match the terminal's active
// binding. Routes that are not sensitive never run it.
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
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
 * without a verified signature is refused (fail closed, whatever the route forgot).
 */
export function createBindingGuard(check: BindingCheck): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (request.routeOptions.config.sensitive !== true) return;
    const session = request.session;
    if (!session || !request.signedComponents) throw new TesseraError('sig.missing', 'a sensitive call must be a signed request');
    const facts = readPresentedFacts(request, { requireMsisdn: true });
    request.binding = await check.check({ terminalId: session.terminalId, facts: { ...facts, msisdn: facts.msisdn! }, source: request.ip });
  };
}

/**
 * Makes every route registered from now on whose config says `sensitive: true` run `guard`
 * first among its preHandlers. Install it before the route plugins.
 */
export function attachToSensitiveRoutes(app: FastifyInstance, guard: (request: FastifyRequest) => Promise<void>): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.sensitive !== true) return;
    const own = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [guard as preHandlerAsyncHookHandler, ...own];
  });
}
