// The check every sensitive call passes (docs/binding.md §Check): the facts in the signed
// request are hashed under the binding's kid and compared with the bound ones in constant
// time. A mismatch suspends the binding, records an event and refuses with the code that
// names what changed; a cool-down or an operator-reported swap refuses too. The operator may
// take up to its timeout (5 s), so a binding suspended or ended during that wait is read again
// and refused; the caller re-reads the terminal (bindingGuard.ts).
import { type ErrorCode, TesseraError } from '../../../protocol/errors.ts';
import type { BindingRecord } from '../../store/types.ts';
import type { BindingDeps } from './bindingDeps.ts';
import type { BoundFacts } from './boundFacts.ts';
import { callOracle } from './simSwapOracle.ts';

/** A binding the presented facts matched. */
export interface CheckedBinding {
  binding: BindingRecord;
  /**
   * Whether the check waited on the operator's SIM Swap API (not answered from the cache):
   * the terminal's state may have changed meanwhile, and the caller reads it again.
   */
  waited: boolean;
}

/** The check of sensitive calls. */
export interface BindingCheck {
  /** Resolves with the terminal's active binding when the presented facts match it; throws otherwise. */
  check(input: { terminalId: string; facts: BoundFacts; source: string }): Promise<CheckedBinding>;
}

// Most telling first: a new card (ICCID) explains a new IMSI; a new IMSI a new number.
const MISMATCH_ORDER: ReadonlyArray<[keyof BoundFacts, ErrorCode]> = [
  ['iccid', 'binding.sim_changed'],
  ['imsi', 'binding.subscriber_changed'],
  ['msisdn', 'binding.number_changed'],
  ['seSerial', 'binding.se_changed'],
];

/** Creates the check. */
export function createBindingCheck(deps: BindingDeps): BindingCheck {
  const { ctx, hasher, oracle, metrics } = deps;
  const s = ctx.config.settings;
  const store = ctx.durable.bindings;

  async function suspend(b: BindingRecord, reason: string, source: string, detail: Record<string, unknown>): Promise<void> {
    await store.transition(b.id, ['active'], 'suspended', reason, new Date(ctx.now()));
    await ctx.events.record('binding.suspended', b.terminalId, source, { bindingId: b.id, reason, ...detail });
  }

  /** A binding that is no longer active refused as such (the same codes as at the start of a check). */
  function unusable(b: BindingRecord | undefined): TesseraError {
    if (b?.status === 'suspended') return new TesseraError('binding.suspended', `the binding is suspended (${b.reason ?? 'unknown'}); bind again with a verification code`);
    return new TesseraError('binding.required', 'this terminal has no SIM binding; register one first');
  }

  /** When the operator reports a swap after the binding was verified (null: none); undefined when it was not asked. */
  async function operatorSwapSince(b: BindingRecord, msisdn: string, source: string): Promise<Date | null | undefined> {
    const cacheKey = `binding-swap-ok:${b.id}`;
    if (!oracle || (s.bindingSimSwapCacheSeconds > 0 && (await ctx.ephemeral.get(cacheKey)) !== undefined)) return undefined;
    const latest = await callOracle(() => oracle.latestSimChange(msisdn), {
      events: ctx.events,
      terminalId: b.terminalId,
      source,
      failOpen: s.bindingSimSwapFailOpen,
      detail: { phase: 'call', bindingId: b.id },
    });
    if (latest === undefined) return null; // failed open: asked all the same, maybe for the whole timeout
    if (latest !== null && b.verifiedAt !== null && latest.getTime() > b.verifiedAt.getTime()) return latest;
    if (s.bindingSimSwapCacheSeconds > 0) await ctx.ephemeral.put(cacheKey, '1', s.bindingSimSwapCacheSeconds * 1000);
    return null;
  }

  async function check({ terminalId, facts, source }: { terminalId: string; facts: BoundFacts; source: string }): Promise<CheckedBinding> {
    const b = await store.current(terminalId);
    if (b?.status !== 'active') throw unusable(b);
    const presented = hasher.hashFacts(b.hashKid, facts);
    if (presented === undefined) throw new TesseraError('binding.required', 'the binding was made under a retired key; bind again');
    // Every field is compared, whatever the outcome, so timing does not tell which differs.
    const differs = MISMATCH_ORDER.map(([field]) => !hasher.equal(presented[field], b.hashes[field]));
    const first = differs.indexOf(true);
    if (first >= 0) {
      const code = MISMATCH_ORDER[first]![1];
      const mismatched = MISMATCH_ORDER.filter((_, i) => differs[i]).map(([field]) => field);
      const reason = code.slice('binding.'.length);
      await ctx.events.record('binding.mismatch', terminalId, source, { bindingId: b.id, reason, mismatched });
      await suspend(b, reason, source, { mismatched });
      throw new TesseraError(code);
    }
    const now = ctx.now();
    if (b.cooldownUntil !== null && b.cooldownUntil.getTime() > now) {
      throw new TesseraError('binding.cooling_down', `sensitive calls resume at ${b.cooldownUntil.toISOString()}`, { retryAfterSeconds: Math.ceil((b.cooldownUntil.getTime() - now) / 1000) });
    }
    const swappedAt = await operatorSwapSince(b, facts.msisdn, source);
    if (swappedAt === undefined) return { binding: b, waited: false };
    if (swappedAt !== null) {
      await ctx.events.record('binding.sim_swap_reported', terminalId, source, { phase: 'call', bindingId: b.id, latestSimChange: swappedAt.toISOString() });
      await suspend(b, 'sim_swap_reported', source, {});
      throw new TesseraError('binding.sim_swap_reported', 'the operator reports a SIM swap since this phone was bound; bind again');
    }
    // Suspended by an admin, or ended by a new binding of the number, while the operator answered.
    const fresh = await store.get(b.id);
    if (fresh?.status !== 'active') throw unusable(fresh);
    return { binding: fresh, waited: true };
  }

  return {
    async check(input) {
      try {
        const checked = await check(input);
        metrics.checks.inc({ outcome: 'ok' });
        return checked;
      } catch (err) {
        metrics.checks.inc({ outcome: err instanceof TesseraError ? err.code : 'error' });
        throw err;
      }
    },
  };
}
