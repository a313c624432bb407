// The mutual handshake on the server (docs/protocol.md §4): hello issues a single-use
// challenge carrying the server's proof under the key the hello names (terminal id, kid,
// lot) without reading the database, so it costs and answers the same for any id; finish
// takes the challenge atomically, reads the terminal once and checks the terminal's proof.
// Unknown, revoked and wrong-key terminals get the same answer; only the event log and
// metrics tell them apart.
import { fromBase64Url } from '../../protocol/bytes.ts';
import { TesseraError } from '../../protocol/errors.ts';
import type { FinishRequest, FinishResponse, HelloRequest, HelloResponse } from '../../protocol/handshake/messages.ts';
import { type ChallengeRecord, checkTerminalProof, chooseSuite, confirmFinish, issueChallenge } from '../../protocol/handshake/serverHandshake.ts';
import { checkHardwareEvidence } from '../../protocol/hardware/hardwareEvidence.ts';
import type { HandshakeFailure } from '../monitor/authMetrics.ts';
import type { ServerContext } from '../serverContext.ts';
import { capabilitiesFor } from './lifecycle.ts';
import type { SessionRecords } from './sessionRecords.ts';
import type { TerminalKeys } from './terminalKeys.ts';


/** hello and finish. */
export interface AuthService {
  hello(req: HelloRequest, source: string): Promise<HelloResponse>;
  finish(req: FinishRequest, source: string): Promise<FinishResponse>;
}

const challengeKey = (id: string) => `challenge:${id}`;

/** Creates the handshake service. */
export function createAuthService(ctx: ServerContext, keys: TerminalKeys, sessions: SessionRecords): AuthService {
  const { settings } = ctx.config;
  const ttlMs = settings.challengeTtlSeconds * 1000;

  async function refuse(reason: HandshakeFailure | 'suite_not_allowed', terminalId: string | null, source: string, code: 'auth.refused' | 'auth.challenge_expired' | 'auth.suite_unsupported' | 'auth.replayed'): Promise<never> {
    ctx.metrics.handshakesFailed.inc({ reason });
    await ctx.events.record('auth.failed', terminalId, source, { reason });
    throw new TesseraError(code);
  }

  /** Runs one step, recording its duration with its outcome (a refusal is timed too). */
  async function timed<T>(step: 'hello' | 'finish', run: () => Promise<T>): Promise<T> {
    const end = ctx.metrics.stepDuration.startTimer({ step });
    try {
      const result = await run();
      end({ outcome: 'ok' });
      return result;
    } catch (err) {
      end({ outcome: 'refused' });
      throw err;
    }
  }

  const steps: AuthService = {
    async hello(req, source) {
      if (new Set(req.suites).size !== req.suites.length) {
        throw new TesseraError('input.invalid', 'suites must not repeat', { field: 'suites' });
      }
      // The terminal's order (its lot's or credential's preference, bound into the transcript)
      // picks among the suites this server allows, MAC suites first (docs/protocol.md §4.4).
      // Policy is checked at finish, so hello reveals nothing about the terminal.
      const suite = chooseSuite(req.suites, req.suites, settings.suites);
      if (!suite) return refuse('suite_unsupported', req.terminalId, source, 'auth.suite_unsupported');
      const lotId = req.lotId ?? null;
      // A kid this deployment does not hold gets a decoy key: the same answer as any other.
      const terminalKey = keys.keyFor(req.terminalId, req.kid, lotId) ?? keys.decoyFor(req.terminalId);
      const { record, response } = issueChallenge(ctx.primitives, {
        serverId: ctx.config.serverId,
        terminalId: req.terminalId,
        kid: req.kid,
        lotId,
        offered: req.suites,
        nonceT: req.nonceT,
        suite,
        terminalKey,
        now: ctx.now(),
        ttlMs,
        evidence: req.evidence,
      });
      // One atomic step: the (terminal, nonceT) pair is new, and only then the challenge is stored.
      const fresh = await ctx.ephemeral.putIfAbsentThenPut(`hello:${req.terminalId}:${req.nonceT}`, 2 * ttlMs, challengeKey(record.challengeId), JSON.stringify(record), ttlMs);
      if (!fresh) return refuse('replayed_hello', req.terminalId, source, 'auth.replayed');
      ctx.metrics.handshakesStarted.inc();
      return response;
    },

    async finish(req, source) {
      const raw = /^[A-Za-z0-9_-]{22}$/.test(req.challengeId) ? await ctx.ephemeral.take(challengeKey(req.challengeId)) : undefined;
      const record = raw ? (JSON.parse(raw) as ChallengeRecord) : undefined;
      if (!record || record.expiresAt <= ctx.now()) {
        // A used or dropped challenge no longer names its terminal: the event has none.
        return refuse('challenge_expired', record?.terminalId ?? null, source, 'auth.challenge_expired');
      }
      // Always look the terminal up and run one proof check, known or not (timing class).
      const terminal = await ctx.durable.terminals.get(record.terminalId);
      // The hello named the kid and lot; they must be the terminal's own.
      const realKey = terminal && terminal.kid === record.kid && terminal.lotId === record.lotId ? keys.keyFor(terminal.id, terminal.kid, terminal.lotId) : undefined;
      const verified = checkTerminalProof(ctx.primitives, ctx.config.serverId, record, realKey ?? keys.decoyFor(record.terminalId), req.terminalProof);
      if (!terminal || !realKey) return refuse('unknown_terminal', record.terminalId, source, 'auth.refused');
      if (!verified) return refuse('bad_proof', record.terminalId, source, 'auth.refused');
      if (terminal.status === 'revoked') return refuse('revoked', record.terminalId, source, 'auth.refused');
      if (!terminal.suites.includes(record.suite)) return refuse('suite_not_allowed', record.terminalId, source, 'auth.refused');
      // Hardware evidence (factory-made terminals): a mismatch still proves the key, so the
      // terminal gets a session, but an update-only one, and the event log says why.
      let capabilities = capabilitiesFor(terminal.status);
      if (terminal.hwHash && !checkHardwareEvidence(ctx.primitives, realKey, terminal.id, fromBase64Url(record.nonceT), fromBase64Url(terminal.hwHash), record.evidence)) {
        capabilities = capabilitiesFor('restricted');
        await ctx.events.record('hardware.mismatch', terminal.id, source, { evidence: record.evidence ? 'wrong' : 'missing' });
      }
      const session = await sessions.create(record, [...capabilities]);
      // serverConfirm: the answer is MACed with the handshake hash under K_fc, a subkey of the terminal key (docs/protocol.md §4.9).
      const answer = confirmFinish(ctx.primitives, ctx.config.serverId, record, realKey, {
        sessionId: session.sessionId,
        expiresAt: new Date(session.expiresAt).toISOString(),
        capabilities: session.capabilities,
      });
      ctx.metrics.handshakesSucceeded.inc();
      return answer;
    },
  };
  return {
    hello: (req, source) => timed('hello', () => steps.hello(req, source)),
    finish: (req, source) => timed('finish', () => steps.finish(req, source)),
  };
}
