// Guards routes that need a session: verifies the RFC 9421 request signature with the
// session's request key, refuses replayed nonces and stale `created`, re-checks that the
// terminal is not revoked, and checks the capability the route declares. The same re-check
// is run again by a guard that waited on a slow call before the handler (bindingGuard.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TesseraError } from '../../protocol/errors.ts';
import { verifyRequest } from '../../protocol/httpsig/verifyRequest.ts';
import type { ServerContext } from '../serverContext.ts';
import { declareScopeAccess } from './routeAccess.ts';
import { effectiveCapabilities } from '../services/lifecycle.ts';
import type { SessionRecord, SessionRecords } from '../services/sessionRecords.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified session of a signed request. */
    session?: SessionRecord;
    /** Components the verified signature covers (RFC 9421 §2.1), so a route can require that a header was signed. */
    signedComponents?: readonly string[];
  }
  interface FastifyContextConfig {
    /** The session capability a signed route needs. */
    capability?: string;
  }
}

/** Verifies the signature of a request; resolves with the session or throws a 401/403. */
export type SignatureVerifier = (request: FastifyRequest) => Promise<void>;

/**
 * Makes every route of a plugin scope a signed route: the verifier runs before schema
 * validation (the signature is checked on the raw body before the schema says anything), and
 * a route that does not declare the capability it needs makes the app refuse to start.
 */
export function requireSignedRequests(scope: FastifyInstance, verifier: SignatureVerifier): void {
  declareScopeAccess(scope, 'signed');
  scope.addHook('preValidation', verifier);
}

/**
 * The session as its terminal's current state allows it: refused with `auth.session_invalid`
 * when the terminal is revoked (or gone), its capabilities limited by the state otherwise.
 */
export async function sessionAsOfNow(ctx: ServerContext, session: SessionRecord): Promise<SessionRecord> {
  const terminal = await ctx.durable.terminals.get(session.terminalId);
  if (!terminal || terminal.status === 'revoked') throw new TesseraError('auth.session_invalid', 'the session\'s terminal is revoked');
  // The terminal's state now bounds what the session may do (e.g. restricted since login).
  return { ...session, capabilities: effectiveCapabilities(session.capabilities, terminal.status) };
}

/** Refuses a request whose session lacks the capability its route declares (fail closed: a route that declares none). */
export function requireRouteCapability(request: FastifyRequest, session: SessionRecord): void {
  const needed = request.routeOptions.config.capability;
  if (!needed || !session.capabilities.includes(needed)) {
    throw new TesseraError('auth.capability_missing', needed ? `this call needs the ${needed} capability` : 'this route declares no capability, so no session may call it');
  }
}

/**
 * Re-reads the terminal of a verified request, for a check that waited on something slow
 * after the verifier ran: a terminal revoked meanwhile is refused as the verifier refuses it,
 * one restricted meanwhile loses the capability.
 */
export function createSessionRecheck(ctx: ServerContext): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (!request.session) throw new TesseraError('sig.missing', 'a signed request was expected');
    request.session = await sessionAsOfNow(ctx, request.session);
    requireRouteCapability(request, request.session);
  };
}

/** Creates the hook (run before schema validation) that guards every signed route. */
export function createSignatureVerifier(ctx: ServerContext, sessions: SessionRecords): SignatureVerifier {
  const skew = ctx.config.settings.signatureSkewSeconds;
  return async (request) => {
    let session: SessionRecord | undefined;
    let covered: readonly string[] = [];
    try {
      ({ covered } = await verifyRequest(
        ctx.primitives,
        {
          method: request.method,
          targetUri: `${request.protocol}://${request.host}${request.url}`,
          headers: request.headers as Record<string, string | string[] | undefined>,
          body: request.rawBody ?? new Uint8Array(0),
        },
        {
          now: Math.floor(ctx.now() / 1000),
          maxSkewSeconds: skew,
          resolveKey: async (keyid) => {
            const resolved = await sessions.resolve(keyid);
            session = await sessionAsOfNow(ctx, resolved.session);
            return resolved.requestKey;
          },
          rememberNonce: (keyid, nonce, ttlSeconds) => ctx.ephemeral.putIfAbsent(`sig-nonce:${keyid}:${nonce}`, '1', Math.max(ttlSeconds, 2 * skew) * 1000),
        },
      ));
    } catch (err) {
      ctx.metrics.signedRequests.inc({ outcome: err instanceof TesseraError ? err.code : 'error' });
      throw err;
    }
    ctx.metrics.signedRequests.inc({ outcome: 'ok' });
    request.session = session;
    request.signedComponents = covered;
    // Fail closed: a signed route that forgot to declare its capability is refused to every session.
    requireRouteCapability(request, session!);
  };
}
