// Who may call each route, declared on the route itself (docs/protocol.md §6):
// - `access: 'public'`: no credential. Health, the handshake, and the update
//   routes, which a terminal that cannot unseal its key (restricted at boot) still needs.
// - `access: 'admin'`: the admin token (or, for /metrics, the metrics token). adminScope sets
//   it on every route of its plugin, the scope whose hook checks the token.
// - `access: 'signed'` with the session `capability` the route needs. requireSignedRequests
//   sets it on every route of its scope, the scope whose hook verifies the signature.
// Only those scopes can give 'admin' or 'signed': a route that claims either by itself, declares
// nothing, or names a capability without being signed (where nothing would check it) stops the
// app from starting.
import type { FastifyInstance, RouteOptions } from 'fastify';

export type RouteAccess = 'public' | 'admin' | 'signed';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; see src/server/http/routeAccess.ts. */
    access?: RouteAccess;
  }
}

/** The routes whose 'admin' or 'signed' access a guarding scope set. */
const guarded = new WeakSet<object>();

/**
 * Sets the access of every route a scope registers from now on (its guard is the scope's
 * hook), and refuses such a route at once when its declaration is unsound.
 */
export function declareScopeAccess(scope: FastifyInstance, access: Exclude<RouteAccess, 'public'>): void {
  scope.addHook('onRoute', (route) => {
    const declared = route.config?.access;
    if (declared !== undefined && declared !== access) throw new Error(`route ${String(route.method)} ${route.url} declares access '${declared}' inside a scope that is '${access}'`);
    route.config = { ...route.config, access };
    guarded.add(route);
    const problem = accessProblem(route);
    if (problem) throw new Error(problem);
  });
}

/** Why a route's declaration is refused, or undefined when it is sound. */
export function accessProblem(route: Pick<RouteOptions, 'method' | 'url' | 'config'>): string | undefined {
  const name = `route ${[route.method].flat().join(',')} ${route.url}`;
  const { access, capability } = route.config ?? {};
  if (access !== 'public' && access !== 'admin' && access !== 'signed') return `${name} declares no access (config.access 'public', or an admin or signed scope)`;
  if ((access === 'signed') !== (typeof capability === 'string')) return `${name} is '${access}' but ${access === 'signed' ? 'declares no capability' : 'declares a capability that nothing checks'}`;
  if (access !== 'public' && !guarded.has(route)) return `${name} claims '${access}' access outside the scope that checks it (adminScope or requireSignedRequests)`;
  return undefined;
}

/**
 * Records every route the app registers and, when the app gets ready (before it listens or
 * answers an inject), fails with the first route whose declaration is missing or unsound.
 */
export function registerRouteAccess(app: FastifyInstance): void {
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onReady', async () => {
    for (const route of routes) {
      const problem = accessProblem(route);
      if (problem) throw new Error(problem);
    }
  });
}
