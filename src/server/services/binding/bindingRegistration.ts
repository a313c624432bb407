// Registration of a binding (docs/binding.md §Register): the terminal names the number the
// user typed and presents its SIM and secure-element facts; a one-time code goes to the
// number; confirming it activates the binding (ending the ones it replaces).
import { isTesseraError, TesseraError } from '../../../protocol/errors.ts';
import { last4 } from '../../../protocol/binding/simIdentifiers.ts';
import type { BindingDeps } from './bindingDeps.ts';
import { newBindingId } from './bindingIds.ts';
import { type BindingView, bindingView } from './bindingViews.ts';
import type { BoundFacts } from './boundFacts.ts';
import { assessRegistration } from './registrationRisk.ts';
import { bindingCodeText } from './smsSender.ts';

const HOUR_MS = 3_600_000;

/** Input of {@link BindingRegistration.register}. */
export interface RegisterInput {
  terminalId: string;
  /** Defaults to the first configured app. */
  appId?: string | undefined;
  /** Normalized identifiers: the number the user typed and the facts the terminal read. */
  facts: BoundFacts;
  source: string;
}

/** The answer to a registration. */
export interface RegisterResult {
  binding: BindingView;
  codeLength: number;
  /** When the code expires (ISO 8601). */
  codeExpiresAt: string;
}

/** Register and confirm. */
export interface BindingRegistration {
  register(input: RegisterInput): Promise<RegisterResult>;
  confirm(input: { terminalId: string; bindingId: string; code: string; source: string }): Promise<BindingView>;
}

/** Creates the registration service. */
export function createBindingRegistration(deps: BindingDeps): BindingRegistration {
  const { ctx, hasher, codes, throttle, sms, metrics } = deps;
  const s = ctx.config.settings;
  const store = ctx.durable.bindings;
  const codeTtlMs = s.bindingCodeTtlSeconds * 1000;

  return {
    async register(input) {
      const appId = input.appId ?? s.bindingApps[0]!;
      if (!s.bindingApps.includes(appId)) throw new TesseraError('input.invalid', `unknown app ${appId}`, { field: 'appId' });
      const kid = hasher.currentKid;
      const hashes = hasher.hashFacts(kid, input.facts)!;
      const msisdnHashes = hasher.msisdnHashes(input.facts.msisdn);
      // SMS cost and pumping fraud: limited per terminal, per number and per address.
      await throttle.hit(`binding-register:terminal:${input.terminalId}`, s.bindingRegistrationsPerHour, HOUR_MS, 'registrations for this terminal');
      await throttle.hit(`binding-register:number:${hashes.msisdn}`, s.bindingRegistrationsPerHour, HOUR_MS, 'registrations for this number');
      await throttle.hit(`binding-register:source:${input.source}`, s.bindingSourceAttemptsPerHour, HOUR_MS, 'registrations from this address');

      const risk = await assessRegistration(deps, { terminalId: input.terminalId, appId, facts: input.facts, msisdnHashes, source: input.source });
      const now = ctx.now();
      const binding = await store.createPending({
        id: newBindingId(ctx.primitives, now),
        terminalId: input.terminalId,
        appId,
        hashKid: kid,
        hashes,
        msisdnLast4: last4(input.facts.msisdn),
        expiresAt: new Date(now + codeTtlMs),
        now: new Date(now),
      });
      const { code, expiresAt } = await codes.issue(binding.id, { msisdnHashes, simChange: risk.simChange, carriedCooldownUntil: risk.carriedCooldownUntil });
      try {
        await sms.send({ to: input.facts.msisdn, text: bindingCodeText(code, Math.round(codeTtlMs / 60_000)), code, purpose: 'binding', reference: binding.id, expiresAt: new Date(expiresAt) });
      } catch (err) {
        await codes.void(binding.id);
        await store.transition(binding.id, ['pending'], 'ended', 'delivery_failed', new Date(ctx.now()));
        await ctx.events.record('binding.delivery_failed', input.terminalId, input.source, { bindingId: binding.id, sender: sms.name, error: (err as Error).message });
        if (isTesseraError(err, 'binding.delivery_failed')) throw err;
        throw new TesseraError('binding.delivery_failed', undefined, { cause: err });
      }
      metrics.codes.inc({ outcome: 'sent' });
      await ctx.events.record('binding.registered', input.terminalId, input.source, {
        bindingId: binding.id,
        appId,
        msisdnLast4: binding.msisdnLast4,
        simChange: risk.simChange,
        signals: risk.signals,
        sender: sms.name,
      });
      return { binding: bindingView(binding), codeLength: s.bindingCodeDigits, codeExpiresAt: new Date(expiresAt).toISOString() };
    },

    async confirm({ terminalId, bindingId, code, source }) {
      await throttle.hit(`binding-confirm:source:${source}`, s.bindingSourceAttemptsPerHour, HOUR_MS, 'verification attempts from this address');
      const binding = await store.get(bindingId);
      // Another terminal's binding looks exactly like a missing one.
      if (binding?.terminalId !== terminalId) throw new TesseraError('binding.not_found', `no binding ${bindingId} for this terminal`);
      if (binding.status !== 'pending') throw new TesseraError('binding.code_expired', 'this registration is no longer waiting for a code');
      try {
        await throttle.hit(`binding-confirm:binding:${bindingId}`, s.bindingCodeMaxAttempts, codeTtlMs, 'attempts for this code; register again');
      } catch (err) {
        // Only the limit ends the registration; a store outage leaves it pending.
        if (!isTesseraError(err, 'rate.limited')) throw err;
        await codes.void(bindingId);
        await store.transition(bindingId, ['pending'], 'ended', 'too_many_attempts', new Date(ctx.now()));
        metrics.codes.inc({ outcome: 'throttled' });
        await ctx.events.record('binding.throttled', terminalId, source, { bindingId, limit: s.bindingCodeMaxAttempts });
        throw err;
      }
      const checked = await codes.check(bindingId, code);
      metrics.codes.inc({ outcome: checked.outcome === 'ok' ? 'confirmed' : checked.outcome });
      if (checked.outcome === 'expired') throw new TesseraError('binding.code_expired', 'the code is expired or already used; register again');
      if (checked.outcome === 'wrong') {
        await ctx.events.record('binding.code_failed', terminalId, source, { bindingId });
        throw new TesseraError('binding.code_invalid', 'the verification code is wrong');
      }
      const now = ctx.now();
      const { simChange, carriedCooldownUntil, msisdnHashes } = checked.context;
      const fresh = simChange && s.bindingSimChangeCooldownSeconds > 0 ? now + s.bindingSimChangeCooldownSeconds * 1000 : null;
      const until = Math.max(fresh ?? 0, carriedCooldownUntil ?? 0);
      const result = await store.activate(bindingId, {
        now: new Date(now),
        exclusive: s.bindingOnePerNumber,
        msisdnHashes,
        cooldownUntil: until > now ? new Date(until) : null,
      });
      if (result === undefined) throw new TesseraError('binding.code_expired', 'this registration is no longer waiting for a code');
      const b = result.binding;
      await ctx.events.record('binding.activated', terminalId, source, { bindingId, appId: b.appId, msisdnLast4: b.msisdnLast4, cooldownUntil: b.cooldownUntil?.toISOString() ?? null });
      for (const old of result.ended) {
        await ctx.events.record('binding.ended', old.terminalId, source, { bindingId: old.id, reason: old.reason, by: bindingId });
      }
      return bindingView(b);
    },
  };
}
