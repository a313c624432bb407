// Guessing defence of activation (docs/security.md, "Stolen or guessed codes"). Attempts are
// counted *before* the code is looked at, per terminal and per client address, so a burst of
// concurrent guesses is cut at the limits as a slow run is. An address's successes are counted
// too and give their attempts back (a shop behind one NAT activating many terminals keeps its
// room); its failures, counted after the lookup, lock it. A terminal past its limit, and a
// failure that reaches a limit, lock the terminal or address out for a fixed period; an
// address past its limit with no lock is refused until its window ends. Both are answered
// `rate.limited` with Retry-After. All counters live in the ephemeral store (atomic
// `increment`; shared by every process on Redis): a store that cannot count an attempt
// refuses it (503) before its code is looked at.
import { TesseraError } from '../../../protocol/errors.ts';
import type { ServerContext } from '../../serverContext.ts';

/** Which limit a lock belongs to. */
export type LockScope = 'terminal' | 'source';

/** What {@link ActivationThrottle.admit} lets through: one attempt, to be reported once. */
export interface Admission {
  /** Attempts the terminal has left after this one. */
  attemptsLeft: number;
  /**
   * No later than when the address's attempt counter that counted this attempt expires, by
   * `ctx.now` and by `performance.now`; the earlier of the two bounds how long a success is
   * counted (the wall clock may step, the store's clock is not ours).
   */
  readonly sourceWindowEnd: { clock: number; monotonic: number };
}

/** The activation throttle of one server. */
export interface ActivationThrottle {
  /**
   * Counts an attempt and lets it through, or throws `rate.limited`: when the terminal or the
   * address is locked out, when this attempt is past the terminal's limit (which then locks
   * it), or when the address has more attempts in its window than its limit allows, its
   * successes not counted (refused until the window ends; failures, not this, lock it).
   */
  admit(terminalId: string, source: string): Promise<Admission>;
  /** Counts a failed attempt; locks the address at its limit and the terminal with no attempts left. */
  failed(terminalId: string, source: string, attemptsLeft: number): Promise<{ lockedUntil?: number }>;
  /**
   * Counts a successful attempt for its address, so that it takes none of the address's room.
   * Throws when the store cannot count it: the activation stands, the attempt stays counted.
   */
  succeeded(source: string, admission: Admission): Promise<void>;
}

const lockKey = (scope: LockScope, id: string) => `activation:lock:${scope}:${id}`;
const terminalAttemptsKey = (terminalId: string) => `activation:attempts:terminal:${terminalId}`;
const sourceAttemptsKey = (source: string) => `activation:attempts:source:${source}`;
const sourceSuccessesKey = (source: string) => `activation:successes:source:${source}`;
const sourceFailuresKey = (source: string) => `activation:failures:source:${source}`;

/**
 * How much sooner than its window an address's success count expires: a success must never
 * give room in the next window, and the write that counts it may reach the store a little
 * later than the attempt's own count did. In a window's last second its successes no longer
 * count (the address may be refused for that second).
 */
const SUCCESS_MARGIN_MS = 1000;

/** A counter's value as read back; anything else counts as nothing (never as room). */
const counterValue = (value: string | undefined) => (value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : 0);

function describeWait(ms: number): string {
  const minutes = Math.ceil(ms / 60_000);
  return minutes >= 120 ? `${Math.ceil(minutes / 60)} hours` : minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/**
 * The refusal a throttled caller gets: when to retry, in the message and in Retry-After. A
 * lock follows failures; an address past its limit without one is refused for its window.
 */
function throttled(scope: LockScope, why: 'locked' | 'window', until: number, now: number): TesseraError {
  const who = scope === 'terminal' ? 'this terminal' : 'this network address';
  const what = why === 'locked' ? `too many failed activation attempts from ${who}` : `too many activation attempts from ${who} in this window`;
  const wait = Math.max(1, until - now);
  return new TesseraError('rate.limited', `${what}; try again after ${new Date(until).toISOString()} (in ${describeWait(wait)})`, {
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

  async function refuse(scope: LockScope, until: number, terminalId: string, source: string, now: number, why: 'locked' | 'window' = 'locked'): Promise<never> {
    const err = throttled(scope, why, until, now);
    await ctx.events.record('activation.throttled', terminalId, source, { scope, why, retryAfterSeconds: err.retryAfterSeconds });
    throw err;
  }

  return {
    async admit(terminalId, source) {
      const now = ctx.now();
      const started = performance.now();
      for (const [scope, id] of [['terminal', terminalId], ['source', source]] as const) {
        const until = await lockedUntil(scope, id, now);
        if (until !== undefined) await refuse(scope, until, terminalId, source, now);
      }
      // The address first: its attempts in the window, less those that succeeded, may not pass
      // its limit. Attempts still being looked up count (they may all be wrong guesses), and
      // so do refused ones. Successes expire before their window does, so they never give
      // room in the next one; a window's first attempt has none to read. An attempt refused
      // here costs its terminal nothing: a shop whose activations in flight fill its address's
      // room must not lock its own terminals by retrying.
      const attempts = await ctx.ephemeral.increment(sourceAttemptsKey(source), windowMs);
      const successes = attempts.count === 1 ? 0 : counterValue(await ctx.ephemeral.get(sourceSuccessesKey(source)));
      if (attempts.count - successes > s.activationSourceMaxFailures) await refuse('source', now + attempts.ttlMs, terminalId, source, now, 'window');
      // Then the terminal (a burst of one terminal past its own limit is counted on its address too).
      const { count } = await ctx.ephemeral.increment(terminalAttemptsKey(terminalId), windowMs);
      if (count > s.activationMaxFailures) await refuse('terminal', await lock('terminal', terminalId, terminalId, source, now), terminalId, source, now);
      return {
        attemptsLeft: s.activationMaxFailures - count,
        // Measured from before the count, so no later than the store's own expiry of it.
        sourceWindowEnd: { clock: now + attempts.ttlMs, monotonic: started + attempts.ttlMs },
      };
    },
    async failed(terminalId, source, attemptsLeft) {
      const now = ctx.now();
      const { count } = await ctx.ephemeral.increment(sourceFailuresKey(source), windowMs);
      let until: number | undefined;
      if (count >= s.activationSourceMaxFailures) until = await lock('source', source, terminalId, source, now);
      if (attemptsLeft <= 0) until = Math.max(until ?? 0, await lock('terminal', terminalId, terminalId, source, now));
      return until === undefined ? {} : { lockedUntil: until };
    },
    async succeeded(source, { sourceWindowEnd: end }) {
      const ttlMs = Math.min(end.clock - ctx.now(), end.monotonic - performance.now()) - SUCCESS_MARGIN_MS;
      // The first success of a window sets its count's TTL; later ones keep it (a fixed window).
      if (ttlMs > 0) await ctx.ephemeral.increment(sourceSuccessesKey(source), ttlMs);
    },
  };
}
