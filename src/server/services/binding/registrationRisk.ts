// Before a code is sent: does this registration follow a SIM change? It does when the
// terminal's binding was suspended for a SIM, subscriber or number change or a reported
// swap, when the number was last bound with another SIM (ICCID or IMSI), or when the
// operator's SIM Swap API reports a swap within the configured window. A cool-down still
// running on a binding this one would replace is carried over, so re-binding cannot skip it.
import { TesseraError } from '../../../protocol/errors.ts';
import type { BindingRecord } from '../../store/types.ts';
import type { BindingDeps } from './bindingDeps.ts';
import type { BoundFacts } from './boundFacts.ts';
import { callOracle } from './simSwapOracle.ts';

/** Suspension reasons that mean the SIM or subscriber behind the binding changed. */
const SIM_CHANGE_REASONS: ReadonlySet<string> = new Set(['sim_changed', 'subscriber_changed', 'number_changed', 'sim_swap_reported']);

/** The verdict on a registration. */
export interface RegistrationRisk {
  simChange: boolean;
  /** Why, for the event log: `suspended_for_sim_change`, `number_had_other_sim`, `operator_reports_swap`. */
  signals: string[];
  carriedCooldownUntil: number | null;
}

interface Input {
  terminalId: string;
  appId: string;
  facts: BoundFacts;
  msisdnHashes: string[];
  source: string;
}

function laterCooldown(records: BindingRecord[], now: number): number | null {
  let latest: number | null = null;
  for (const b of records) {
    const until = b.cooldownUntil?.getTime();
    if (until !== undefined && until > now && (latest === null || until > latest)) latest = until;
  }
  return latest;
}

/**
 * Assesses a registration; throws `binding.sim_swap_reported` under the `refuse` policy and
 * `binding.oracle_unavailable` when the operator does not answer (unless failing open).
 */
export async function assessRegistration(deps: BindingDeps, input: Input): Promise<RegistrationRisk> {
  const { ctx, hasher, oracle } = deps;
  const s = ctx.config.settings;
  const now = ctx.now();
  const signals: string[] = [];

  const current = await ctx.durable.bindings.current(input.terminalId);
  if (current?.status === 'suspended' && current.reason !== null && SIM_CHANGE_REASONS.has(current.reason)) signals.push('suspended_for_sim_change');

  const ofNumber = await ctx.durable.bindings.list({ appId: input.appId, msisdnHashes: input.msisdnHashes, limit: 20 });
  const lastVerified = ofNumber.find((b) => b.verifiedAt !== null);
  if (lastVerified) {
    const h = hasher.hashFacts(lastVerified.hashKid, input.facts);
    // Both comparisons always run (constant time per field).
    const sameIccid = h !== undefined && hasher.equal(h.iccid, lastVerified.hashes.iccid);
    const sameImsi = h !== undefined && hasher.equal(h.imsi, lastVerified.hashes.imsi);
    if (!sameIccid || !sameImsi) signals.push('number_had_other_sim');
  }

  if (oracle) {
    await callOracle(
      async () => {
        if (await oracle.check(input.facts.msisdn, s.bindingSimSwapMaxAgeHours)) {
          signals.push('operator_reports_swap');
          await ctx.events.record('binding.sim_swap_reported', input.terminalId, input.source, { phase: 'registration', maxAgeHours: s.bindingSimSwapMaxAgeHours, policy: s.bindingSimSwapPolicy });
          if (s.bindingSimSwapPolicy === 'refuse') throw new TesseraError('binding.sim_swap_reported', 'the operator reports a recent SIM swap for this number; try again later or contact support');
        }
      },
      { events: ctx.events, terminalId: input.terminalId, source: input.source, failOpen: s.bindingSimSwapFailOpen, detail: { phase: 'registration' } },
    );
  }

  const live = [current, ...ofNumber.filter((b) => b.status === 'active' || b.status === 'suspended')].filter((b): b is BindingRecord => b !== undefined);
  return { simChange: signals.length > 0, signals, carriedCooldownUntil: laterCooldown(live, now) };
}
