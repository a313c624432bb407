// Which methods each registered path answers, so that a request for a known path with the
// wrong method is told 405 with an Allow header (RFC 9110 §15.5.6) instead of 404. Filled
// by an onRoute hook installed before any route; read only on the not-found path.
import type { RouteOptions } from 'fastify';

interface PathMethods {
  pattern: RegExp;
  methods: Set<string>;
}

/** A route URL (`/v1/admin/terminals/:id`, `/files/*`) as an anchored RegExp over the path. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** The registry: `add` is the onRoute hook, `allowed` lists the methods a path answers. */
export class RouteMethods {
  readonly #byUrl = new Map<string, PathMethods>();

  add = (route: RouteOptions): void => {
    let entry = this.#byUrl.get(route.url);
    if (!entry) this.#byUrl.set(route.url, (entry = { pattern: patternOf(route.url), methods: new Set() }));
    for (const method of [route.method].flat()) entry.methods.add(method.toUpperCase());
  };

  /** Methods registered for `path` (without its query), sorted; empty when no route has it. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const { pattern, methods: m } of this.#byUrl.values()) if (pattern.test(path)) for (const method of m) methods.add(method);
    return [...methods].sort();
  }
}
