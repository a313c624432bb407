// The binding feature's services, built once per app from the server context.
import type { ServerContext } from '../../serverContext.ts';
import { createBindingAdmin, type BindingAdmin } from './bindingAdmin.ts';
import { createBindingCheck, type BindingCheck } from './bindingCheck.ts';
import { type BindingAdapters, createBindingDeps } from './bindingDeps.ts';
import { createBindingRegistration, type BindingRegistration } from './bindingRegistration.ts';

/** Register/confirm, the sensitive-call check, and administration. */
export interface BindingServices {
  registration: BindingRegistration;
  check: BindingCheck;
  admin: BindingAdmin;
}

/**
 * Creates the binding services; `adapters` replace the configured SMS sender or SIM Swap API.
 * @example const bindings = createBindingServices(ctx); app.addHook('preHandler', createBindingGuard(bindings.check, createSessionRecheck(ctx)));
 */
export function createBindingServices(ctx: ServerContext, adapters: BindingAdapters = {}): BindingServices {
  const deps = createBindingDeps(ctx, adapters);
  return { registration: createBindingRegistration(deps), check: createBindingCheck(deps), admin: createBindingAdmin(deps) };
}
