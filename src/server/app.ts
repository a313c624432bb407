// Builds the Fastify instance from a config object and opened stores; nothing global.
// Routes are thin plugins over services that share one ServerContext.
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { nodePrimitives } from '../protocol/nodePrimitives.ts';
import type { Primitives } from '../protocol/primitives.ts';
import { durableServerId } from './config/durableServerId.ts';
import { deploymentWarnings } from './config/deploymentWarnings.ts';
import type { ServerConfig } from './config/serverConfig.ts';
import type { EphemeralStore } from './ephemeral/types.ts';
import { clientErrorHandler, frameworkErrorHandler, registerProblemDetails } from './http/problemDetails.ts';
import { AccessLogController } from './http/accessLog.ts';
import { registerRouteAccess } from './http/routeAccess.ts';
import { registerRawJsonBody } from './http/rawJsonBody.ts';
import { lazyChildLoggerFactory, serializeRequest } from './http/requestLogger.ts';
import { createBindingGuard } from './http/bindingGuard.ts';
import { createSessionRecheck, createSignatureVerifier } from './http/signatureVerifier.ts';
import { registerStoreMetrics } from './monitor/storeMetrics.ts';
import { createAuthMetrics } from './monitor/authMetrics.ts';
import { createSecurityEventRecorder } from './monitor/securityEvents.ts';
import { activationRoutes } from './routes/activationRoutes.ts';
import { adminRoutes } from './routes/adminRoutes.ts';
import { authRoutes } from './routes/authRoutes.ts';
import { healthRoutes } from './routes/healthRoutes.ts';
import { lotRoutes } from './routes/lotRoutes.ts';
import { metricsRoutes } from './routes/metricsRoutes.ts';
import { bindingAdminRoutes } from './routes/bindingAdminRoutes.ts';
import { bindingRoutes } from './routes/bindingRoutes.ts';
import { codeBatchRoutes } from './routes/codeBatchRoutes.ts';
import { sessionRoutes } from './routes/sessionRoutes.ts';
import { updateAdminRoutes } from './routes/updateAdminRoutes.ts';
import { updateRoutes } from './routes/updateRoutes.ts';
import type { ServerContext } from './serverContext.ts';
import { createActivationServices } from './services/activation/activationServices.ts';
import { createAuthService } from './services/authService.ts';
import { createLotService } from './services/factory/lotService.ts';
import { createSessionRecords } from './services/sessionRecords.ts';
import { createTerminalKeys } from './services/terminalKeys.ts';
import { createTerminalService } from './services/terminalService.ts';
import type { BindingAdapters } from './services/binding/bindingDeps.ts';
import { createBindingServices } from './services/binding/bindingServices.ts';
import { createUpdateService } from './services/updates/updateService.ts';
import type { DurableStore } from './store/types.ts';
import type { RequestOrigin } from './routes/adminRoutes.ts';
import { TesseraError } from '../protocol/errors.ts';
import { isValidHost } from './http/hostHeader.ts';

/** What buildApp needs besides the config. */
export interface AppDependencies {
  durable: DurableStore;
  ephemeral: EphemeralStore;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  primitives?: Primitives;
  /** pino options or false; default: JSON logs at the configured level with secrets redacted. */
  logger?: boolean | Record<string, unknown>;
  /** SMS sender / SIM Swap API replacing the configured ones (docs/binding.md). */
  bindingAdapters?: BindingAdapters;
}

/**
 * `scheme://host[:port]` as the WHATWG URL parser writes it (lower-case host, no default
 * port). The host is the request's (its Host, or X-Forwarded-Host behind a trusted proxy):
 * one that is not a host is refused, never written into a credential or station file.
 */
function canonicalOrigin(protocol: string, host: string): string {
  // Behind TESSERA_TRUST_PROXY both come from X-Forwarded-* headers: "https://evil.example/x?"
  // as a scheme would otherwise make the origin evil.example.
  if (/^https?$/i.test(protocol) && isValidHost(host)) {
    try {
      return new URL(`${protocol}://${host}`).origin;
    } catch {
      // An IP literal the URL parser refuses: refused below.
    }
  }
  throw new TesseraError('input.malformed_request', 'the request\'s scheme is not http or https, or its host is not a host name or address with an optional port; set TESSERA_PUBLIC_URL');
}

/**
 * Log paths that may carry secrets; pino replaces them with "[redacted]". The access line
 * skips them (accessLog.ts): keep serializeRequest free of headers and bodies.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.signature',
  'req.headers.cookie',
  '*.key',
  '*.adminToken',
  '*.metricsToken',
  '*.terminalProof',
  '*.serverProof',
  '*.credential',
  '*.masterKey',
];

/** pino options of the server's own logs: its level, secrets redacted, phone numbers in request URLs masked. */
export function serverLoggerOptions(level: string) {
  return { level, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' }, serializers: { req: serializeRequest } };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The configuration the app runs with, its server id the deployment's stored one. */
    tesseraConfig: ServerConfig;
  }
}

/**
 * Builds the app; call `listen` on the result, or `inject` in tests. The server id it uses is
 * the one the deployment's database holds (stored on the first start; durableServerId.ts),
 * whatever `config.serverId` derived from the key ring: `app.tesseraConfig` has it.
 * @example const app = await buildApp(config, { durable, ephemeral }); await app.listen({ port: 0 });
 */
export async function buildApp(resolved: ServerConfig, deps: AppDependencies): Promise<FastifyInstance> {
  const settled = await durableServerId(deps.durable.meta, resolved.masterKeys, resolved.settings.serverId);
  const config: ServerConfig = Object.freeze({ ...resolved, serverId: settled.serverId });
  const { settings } = config;
  const accessLog = new AccessLogController();
  const app = Fastify({
    logger: deps.logger ?? serverLoggerOptions(settings.logLevel),
    childLoggerFactory: lazyChildLoggerFactory,
    // One access line per request instead of Fastify's two.
    logController: accessLog,
    bodyLimit: settings.bodyLimitBytes,
    // Fastify's default is no limit: a body that never ends would hold its socket, and the shutdown, for ever.
    requestTimeout: settings.requestTimeoutSeconds * 1000,
    trustProxy: settings.trustProxy,
    return503OnClosing: true,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // The Host check is requireHost's (problemDetails.ts), so a request without one gets problem+json.
    // The timeout again for node:http itself: set only after its construction (as Fastify does),
    // it is not applied to a request whose headers have arrived. node:http checks it every
    // connectionsCheckingInterval (default 30 s).
    http: {
      requireHostHeader: false,
      requestTimeout: settings.requestTimeoutSeconds * 1000,
      connectionsCheckingInterval: Math.min(30_000, settings.requestTimeoutSeconds * 250),
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  });
  // The unredacted access child only for the server's own logger options (accessLog.ts).
  if (deps.logger === undefined) accessLog.attach(app.log);
  app.decorate('tesseraConfig', config);
  if (settled.warning) app.log.warn(settled.warning);
  if (deps.ephemeral.warning) app.log.warn(deps.ephemeral.warning);
  for (const warning of deploymentWarnings(settings)) app.log.warn(warning);
  const ctx: ServerContext = {
    config,
    durable: deps.durable,
    ephemeral: deps.ephemeral,
    primitives: deps.primitives ?? nodePrimitives,
    now: deps.now ?? Date.now,
    metrics: createAuthMetrics(),
    events: createSecurityEventRecorder(deps.durable.events, app.log, deps.now ?? Date.now),
    log: app.log,
  };
  registerStoreMetrics(ctx.metrics.registry, deps.ephemeral);
  const keys = createTerminalKeys(ctx.primitives, config.masterKeys);
  const sessions = createSessionRecords(ctx, keys);
  const auth = createAuthService(ctx, keys, sessions);
  const terminals = createTerminalService(ctx, keys);

  registerProblemDetails(app);
  // Every route says who may call it (public, admin, or signed with a capability), or the app does not get ready.
  registerRouteAccess(app);
  registerRawJsonBody(app, settings.bodyLimitBytes);
  const bindings = createBindingServices(ctx, deps.bindingAdapters);
  // Before any route plugin: every route declaring `sensitive: true` gets the binding check.
  app.addHook('preHandler', createBindingGuard(bindings.check, createSessionRecheck(ctx)));
  await app.register(swagger, {
    openapi: {
      info: { title: 'Tessera', version: '1', description: 'Terminal-trust server API. Wire format: docs/protocol.md.' },
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' }, httpSignature: { type: 'apiKey', in: 'header', name: 'signature', description: 'RFC 9421 HTTP Message Signature with the session key (docs/protocol.md)' } } },
    },
  });
  await app.register(healthRoutes, { ctx });
  await app.register(metricsRoutes, { metrics: ctx.metrics, adminToken: config.adminToken, metricsToken: settings.metricsToken });
  await app.register(authRoutes, { auth });
  const verifier = createSignatureVerifier(ctx, sessions);
  // The origin a request came in on, in the canonical form credential files carry (docs/protocol.md §3.3).
  const publicUrl = (request: RequestOrigin) => settings.publicUrl ?? canonicalOrigin(request.protocol, request.host);
  await app.register(sessionRoutes, { verifier });
  await app.register(adminRoutes, {
    terminals,
    adminToken: config.adminToken,
    publicUrl,
    listEvents: (q) => ctx.durable.events.list(q),
  });
  await app.register(lotRoutes, { lots: createLotService(ctx, keys), adminToken: config.adminToken, publicUrl });
  await app.register(bindingRoutes, { bindings, verifier });
  await app.register(bindingAdminRoutes, { bindings, adminToken: config.adminToken });
  const activation = createActivationServices(ctx);
  // requiresBinding makes POST /v1/activate a `sensitive` route (the binding guard above).
  await app.register(activationRoutes, { activation: activation.activation, verifier, requiresBinding: settings.activationRequiresBinding });
  await app.register(codeBatchRoutes, { batches: activation.batches, adminToken: config.adminToken });
  const updates = createUpdateService(ctx);
  await app.register(updateRoutes, { updates });
  await app.register(updateAdminRoutes, { updates, adminToken: config.adminToken, publicKey: config.updateKey.publicKey, maxBytes: settings.updateMaxBytes });
  return app;
}
