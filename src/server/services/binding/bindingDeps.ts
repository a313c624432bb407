// What the binding services share: the server context plus the identifier hasher, the
// verification codes, the throttle and the two adapters chosen by the settings (an SMS
// webhook or the development outbox; a CAMARA SIM Swap API or none).
import { join } from 'node:path';
import { Counter } from 'prom-client';
import type { ServerContext } from '../../serverContext.ts';
import { createThrottle, type Throttle } from './bindingThrottle.ts';
import { type BoundFactsHasher, createBoundFactsHasher } from './boundFacts.ts';
import { createCamaraSimSwapOracle, type SimSwapOracle } from './simSwapOracle.ts';
import { createOutboxSmsSender, type SmsSender } from './smsSender.ts';
import { createVerificationCodes, type VerificationCodes } from './verificationCodes.ts';
import { createWebhookSmsSender } from './webhookSmsSender.ts';

/** Shared dependencies of the binding services. */
export interface BindingDeps {
  ctx: ServerContext;
  hasher: BoundFactsHasher;
  codes: VerificationCodes;
  throttle: Throttle;
  sms: SmsSender;
  /** Undefined when no SIM Swap API is configured. */
  oracle: SimSwapOracle | undefined;
  metrics: BindingMetrics;
}

/** Counters on the app's `/metrics` registry. */
export interface BindingMetrics {
  /** `tessera_binding_checks_total{outcome}`: `ok` or the refusal code of sensitive calls. */
  checks: Counter<'outcome'>;
  /** `tessera_binding_codes_total{outcome}`: `sent`, `confirmed`, `wrong`, `expired`, `throttled`. */
  codes: Counter<'outcome'>;
}

/** Adapters that replace the configured ones (embedding, tests). */
export interface BindingAdapters {
  sms?: SmsSender;
  oracle?: SimSwapOracle;
}

/** Builds the binding dependencies from the server context and its settings. */
export function createBindingDeps(ctx: ServerContext, adapters: BindingAdapters = {}): BindingDeps {
  const s = ctx.config.settings;
  const sms =
    adapters.sms ??
    (s.bindingSmsWebhookUrl
      ? createWebhookSmsSender({ url: s.bindingSmsWebhookUrl, token: s.bindingSmsWebhookToken })
      : createOutboxSmsSender(s.bindingSmsOutbox ?? join(ctx.config.dataDir, 'sms-outbox.log'), ctx.log, ctx.now));
  const oracle = adapters.oracle ?? (s.bindingSimSwapUrl ? createCamaraSimSwapOracle({ baseUrl: s.bindingSimSwapUrl, token: s.bindingSimSwapToken }) : undefined);
  return {
    ctx,
    hasher: createBoundFactsHasher(ctx.primitives, ctx.config.masterKeys),
    codes: createVerificationCodes(ctx.primitives, ctx.config.masterKeys, ctx.ephemeral, { digits: s.bindingCodeDigits, ttlMs: s.bindingCodeTtlSeconds * 1000, now: ctx.now }),
    throttle: createThrottle(ctx.ephemeral),
    sms,
    oracle,
    metrics: {
      checks: new Counter({ name: 'tessera_binding_checks_total', help: 'Binding checks of sensitive calls, by outcome.', labelNames: ['outcome'], registers: [ctx.metrics.registry] }),
      codes: new Counter({ name: 'tessera_binding_codes_total', help: 'Binding verification codes, by outcome.', labelNames: ['outcome'], registers: [ctx.metrics.registry] }),
    },
  };
}
