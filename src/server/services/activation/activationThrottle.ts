// Guessing defence of activation (docs/security.md, "Stolen or guessed codes"): per terminal,
// attempts are counted *before* the code is looked at (so a burst of concurrent guesses is cut
// at the limit too); per client address, failures are counted after. Reaching a limit locks
// the terminal or address out for a fixed period, answered `rate.limited` with Retry-After.
// All counters live in the ephemeral store (atomic `increment`; shared by every process on Redis).
import { TesseraError } from '../../../protocol/errors.ts';
import type { ServerContext } from '../../serverContext.ts';

/** Which limit a lock belongs to. */
export type LockScope = 'terminal' | 'source';

/** The activation throttle of one server. */
export interface ActivationThrottle {
  /**
   * Lets an attempt through or throws `rate.limited`: when the terminal or the address is
   * locked out, or when this attempt is past the terminal's limit (which then locks it).
   * Resolves with the attempts the terminal has left after this one.
   */
  admit(terminalId: string, source: string): Promise<{ attemptsLeft: number }>;
  /** Counts a failed attempt; locks the address at its limit and the terminal with no attempts left. */
  failed(terminalId: string, source: string, attemptsLeft: number): Promise<{ lockedUntil?: number }>;
}

const lockKey = (scope: LockScope, id: string) => `activation:lock:${scope}:${id}`;
const sourceFailuresKey = (source: string) => `activation:failures:source:${source}`;

function describeWait(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  return minutes >= 120 ? `${Math.ceil(minutes / 60)} hours` : minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** The refusal a locked-out caller gets: when to retry, in the message and in Retry-After. */
function lockedOut(scope: LockScope, until: number, now: number): TesseraError {
  const who = scope === 'terminal' ? 'this terminal' : 'this network address';
  const wait = Math.max(1, until - now);
  return new TesseraError('rate.limited', `too many failed activation attempts from ${who}; try again after ${new Date(until).toISOString()} (in ${describeWait(wait)})`, {
    retryAfterSeconds: Math.ceil(wait / 1000),
  });
}

/** Creates the throttle over the context's ephemeral store, clock, settings and event log. */
export function createActivationThrottle(ctx: ServerContext): ActivationThrottle {
  const s = ctx.config.settings;
  const windowMs = s.activationWindowSeconds * 1000;
  const lockoutMs = s.activationLockoutSeconds * 1000;

  async function lockedUntil(scope: LockScope, id: string, now: number): Promise<number | undefined> {
    const until = Number((await ctx.ephemeral.get(lockKey(scope, id))) ?? Number.NaN);
    return until > now ? until : undefined;
  }

  /** Locks (the first lock of a period wins; a later one does not extend it); resolves with its end. */
  async function lock(scope: LockScope, id: string, terminalId: string, source: string, now: number): Promise<number> {
    const until = now + lockoutMs;
    if (!(await ctx.ephemeral.putIfAbsent(lockKey(scope, id), String(until), lockoutMs))) return (await lockedUntil(scope, id, now)) ?? until;
    await ctx.events.record('activation.locked', terminalId, source, { scope, until: new Date(until).toISOString() });
    return until;
  }

  async function refuse(scope: LockScope, until: number, terminalId: string, source: string, now: number): Promise<never> {
    const err = lockedOut(scope, until, now);
    await ctx.events.record('activation.throttled', terminalId, source, { scope, retryAfterSeconds: err.retryAfterSeconds });
    throw err;
  }

  return {
    async admit(terminalId, source) {
      const now = ctx.now();
      for (const [scope, id] of [['terminal', terminalId], ['source', source]] as const) {
        const until = await lockedUntil(scope, id, now);
        if (until !== undefined) await refuse(scope, until, terminalId, source, now);
      }
      // The address's failure counter exists before the code is looked at, so a store too
      // full to count this attempt's failure refuses it now (503), not after the guess.
      const fresh = await ctx.ephemeral.putIfAbsent(sourceFailuresKey(source), '0', windowMs);
      // Past its limit with no lock, an address's lock could not be written (a full store
      // refused it, and that attempt answered 503), or a lockout that ended inside the window
      // let one attempt through and its failure was not locked: it is locked again now, before
      // the code is looked at (or this attempt fails with the store). At the limit exactly, a
      // lockout that ended inside the window lets one attempt through, as it always did.
      const sourceFailures = fresh ? 0 : Number((await ctx.ephemeral.get(sourceFailuresKey(source))) ?? 0);
      if (sourceFailures > s.activationSourceMaxFailures) await refuse('source', await lock('source', source, terminalId, source, now), terminalId, source, now);
      const { count } = await ctx.ephemeral.increment(`activation:attempts:terminal:${terminalId}`, windowMs);
      if (count > s.activationMaxFailures) await refuse('terminal', await lock('terminal', terminalId, terminalId, source, now), terminalId, source, now);
      return { attemptsLeft: s.activationMaxFailures - count };
    },
    async failed(terminalId, source, attemptsLeft) {
      const now = ctx.now();
      const { count } = await ctx.ephemeral.increment(sourceFailuresKey(source), windowMs);
      let until: number | undefined;
      if (count >= s.activationSourceMaxFailures) until = await lock('source', source, terminalId, source, now);
      if (attemptsLeft <= 0) until = Math.max(until ?? 0, await lock('terminal', terminalId, terminalId, source, now));
      return until === undefined ? {} : { lockedUntil: until };
    },
  };
}
