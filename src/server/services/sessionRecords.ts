// Sessions live in the ephemeral store and hold no secret: the session key is re-derived
// from the master key and the handshake context whenever a signed request needs it.
import { toBase64Url } from '../../protocol/bytes.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { type ChallengeRecord, serverSessionKey } from '../../protocol/handshake/serverHandshake.ts';
import { deriveRequestKey } from '../../protocol/keys.ts';
import type { ServerContext } from '../serverContext.ts';
import { LruCache } from './lruCache.ts';
import type { TerminalKeys } from './terminalKeys.ts';

/** A live session as stored. */
export interface SessionRecord {
  sessionId: string;
  terminalId: string;
  capabilities: string[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** The handshake it came from (public values only; its kid and lot are the terminal's, checked at finish). */
  handshake: ChallengeRecord;
}

const key = (sessionId: string) => `session:${sessionId}`;

/** Creates and resolves sessions. */
export interface SessionRecords {
  create(handshake: ChallengeRecord, capabilities: string[]): Promise<SessionRecord>;
  /** The session and its request-signing key; throws `auth.session_invalid`. */
  resolve(sessionId: string): Promise<{ session: SessionRecord; requestKey: Uint8Array }>;
}

/** Session storage over the ephemeral store. */
export function createSessionRecords(ctx: ServerContext, keys: TerminalKeys): SessionRecords {
  const ttlMs = ctx.config.settings.sessionTtlSeconds * 1000;
  // Request keys of live sessions, so a signed request costs no HKDF; the record is still read each time.
  const requestKeys = new LruCache<Uint8Array>(10_000);
  return {
    async create(handshake, capabilities) {
      const session: SessionRecord = {
        sessionId: toBase64Url(ctx.primitives.randomBytes(16)),
        terminalId: handshake.terminalId,
        capabilities,
        expiresAt: ctx.now() + ttlMs,
        handshake,
      };
      await ctx.ephemeral.put(key(session.sessionId), JSON.stringify(session), ttlMs);
      return session;
    },
    async resolve(sessionId) {
      const raw = /^[A-Za-z0-9_-]{22}$/.test(sessionId) ? await ctx.ephemeral.get(key(sessionId)) : undefined;
      const session = raw ? (JSON.parse(raw) as SessionRecord) : undefined;
      if (!session || session.expiresAt <= ctx.now()) throw new TesseraError('auth.session_invalid', 'the session is unknown or expired; run the handshake again');
      const requestKey = requestKeys.get(session.sessionId, () => {
        const h = session.handshake;
        const terminalKey = keys.keyFor(h.terminalId, h.kid, h.lotId);
        if (!terminalKey) throw new TesseraError('auth.session_invalid');
        return deriveRequestKey(ctx.primitives, serverSessionKey(ctx.primitives, ctx.config.serverId, h, terminalKey));
      });
      return { session, requestKey };
    },
  };
}
