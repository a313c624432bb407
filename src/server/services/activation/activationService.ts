// Activation (docs/protocol.md §12.4): a provisioned terminal spends a purchased code and
// becomes active. Parse (typing errors answered at once, not counted), admit through the
// guessing throttle, then one store transaction that moves the terminal and consumes the
// code together, then the outcome to the throttle (a success gives its address's attempt
// back). Every outcome is a security event; no event or message holds the code.
import { parseActivationCode } from '../../../protocol/activation/activationCode.ts';
import { type ErrorCode, isTesseraError, TesseraError } from '../../../protocol/errors.ts';
import type { ServerContext } from '../../serverContext.ts';
import type { ActivationCodeRecord, RedeemResult } from '../../store/types.ts';
import type { ActivationThrottle } from './activationThrottle.ts';
import type { KeyedIdentifierHash } from '../keyedIdentifierHash.ts';

/** What a successful activation answers. */
export interface ActivationResult {
  terminalId: string;
  status: 'active';
  /** The product the code was sold for. */
  product: string;
  activatedAt: Date;
}

/** Spends activation codes. */
export interface ActivationService {
  /** Activates `terminalId` with `code` as typed; throws a TesseraError saying why not. */
  activate(input: { terminalId: string; code: string; source: string }): Promise<ActivationResult>;
}

type CodeFailure = Exclude<Extract<RedeemResult, { ok: false }>['reason'], 'terminal_state'>;

const FAILURE_CODES: Record<CodeFailure, ErrorCode> = {
  unknown: 'activation.code_invalid',
  used: 'activation.code_used',
  revoked: 'activation.code_revoked',
  expired: 'activation.code_expired',
};

function failureMessage(reason: CodeFailure, code: ActivationCodeRecord | undefined, attemptsLeft: number, lockedUntil: number | undefined): string {
  const what = {
    unknown: 'this is not a valid activation code',
    used: 'this activation code was already used',
    revoked: 'this activation code was revoked',
    expired: `this activation code expired${code ? ` on ${code.expiresAt.toISOString()}` : ''}`,
  }[reason];
  if (lockedUntil !== undefined) return `${what}; too many failed attempts: try again after ${new Date(lockedUntil).toISOString()}`;
  return `${what} (${attemptsLeft === 1 ? '1 attempt' : `${Math.max(0, attemptsLeft)} attempts`} left before a lockout)`;
}

/** Creates the activation service. */
export function createActivationService(ctx: ServerContext, hasher: KeyedIdentifierHash, throttle: ActivationThrottle): ActivationService {
  return {
    async activate({ terminalId, code: typed, source }) {
      let code: ReturnType<typeof parseActivationCode>;
      try {
        code = parseActivationCode(typed);
      } catch (err) {
        if (isTesseraError(err)) await ctx.events.record('activation.failed', terminalId, source, { reason: err.code.slice('activation.code_'.length) });
        throw err;
      }
      const admission = await throttle.admit(terminalId, source);
      const { attemptsLeft } = admission;
      const result = await ctx.durable.activationCodes.redeem({ hashes: hasher.lookupHashes([code.data]), terminalId, now: new Date(ctx.now()) });
      if (result.ok) {
        const { batchId, product, hashKid, usedAt } = result.code;
        const detail: Record<string, unknown> = { batch: batchId, product, hashKid };
        try {
          await throttle.succeeded(source, admission);
        } catch (err) {
          // The activation is committed and is answered as such. Its attempt stays counted
          // against the address for the window (the safe side); the event says so.
          ctx.log.warn({ terminalId, cause: err instanceof Error ? err.message : String(err) }, 'activation succeeded; its success could not be counted for its address');
          detail['throttle'] = 'unavailable';
        }
        await ctx.events.record('activation.succeeded', terminalId, source, detail);
        return { terminalId, status: 'active', product, activatedAt: usedAt ?? new Date(ctx.now()) };
      }
      if (result.reason === 'terminal_state') {
        // Only a race gets here (the `activate` capability needs a provisioned terminal): the
        // code was not looked at, so this answer says nothing about it.
        await ctx.events.record('activation.failed', terminalId, source, { reason: 'terminal_state', terminalStatus: result.terminalStatus });
        throw new TesseraError('terminal.wrong_state', `this terminal is ${result.terminalStatus ?? 'unknown'}, not provisioned; the code was not used`);
      }
      const detail: Record<string, unknown> = { reason: result.reason, attemptsLeft: Math.max(0, attemptsLeft) };
      if (result.code) detail['batch'] = result.code.batchId;
      if (result.code?.usedBy) detail['usedBy'] = result.code.usedBy; // a code used elsewhere may have been stolen
      let lockedUntil: number | undefined;
      try {
        ({ lockedUntil } = await throttle.failed(terminalId, source, attemptsLeft));
      } catch (err) {
        // The failed guess is on record even when counting it failed (a store outage).
        await ctx.events.record('activation.failed', terminalId, source, { ...detail, throttle: 'unavailable' });
        throw err;
      }
      if (lockedUntil !== undefined) detail['lockedUntil'] = new Date(lockedUntil).toISOString();
      await ctx.events.record('activation.failed', terminalId, source, detail);
      throw new TesseraError(FAILURE_CODES[result.reason], failureMessage(result.reason, result.code, attemptsLeft, lockedUntil), { field: 'code' });
    },
  };
}
