// One-time verification codes of binding registrations. A code is drawn uniformly (no
// modulo bias), kept only as a keyed hash (purpose `binding-code` of keyedIdentifierHash)
// in the ephemeral store with its expiry, compared in constant time, and taken atomically
// on success so it works once even under concurrent confirmations.
import type { Primitives } from '../../../protocol/primitives.ts';
import type { MasterKeyRing } from '../../config/masterKeys.ts';
import type { EphemeralStore } from '../../ephemeral/types.ts';
import { createKeyedIdentifierHash } from '../keyedIdentifierHash.ts';

/** What a registration remembers until its code is confirmed. */
export interface PendingContext {
  /** The number hashed under every kid, so activation ends its bindings of any kid. */
  msisdnHashes: string[];
  /** Whether this registration follows a SIM change (starts the cool-down). */
  simChange: boolean;
  /** A cool-down still running on the bindings this one replaces (ms since the epoch). */
  carriedCooldownUntil: number | null;
}

interface StoredCode extends PendingContext {
  kid: number;
  mac: string;
  expiresAt: number;
}

/** The outcome of a code check. */
export type CodeCheck = { outcome: 'ok'; context: PendingContext } | { outcome: 'wrong' } | { outcome: 'expired' };

/** Issues and checks codes. */
export interface VerificationCodes {
  /** Draws a code for a binding and stores its MAC; returns the code (to send) and its expiry. */
  issue(bindingId: string, context: PendingContext): Promise<{ code: string; expiresAt: number }>;
  /** Checks a code; `ok` consumes it. */
  check(bindingId: string, code: string): Promise<CodeCheck>;
  /** Voids a binding's code. */
  void(bindingId: string): Promise<void>;
}

/**
 * A uniform random code of `digits` decimal digits (rejection sampling over 32-bit draws).
 * @example randomDigits(nodePrimitives, 6) // '048213'
 */
export function randomDigits(p: Primitives, digits: number): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 9) throw new RangeError('digits must be 1–9');
  const range = 10 ** digits;
  const limit = Math.floor(0x1_0000_0000 / range) * range;
  for (;;) {
    const b = p.randomBytes(4);
    const n = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (n < limit) return String(n % range).padStart(digits, '0');
  }
}

const key = (bindingId: string) => `binding-code:${bindingId}`;

/** Creates the code service. */
export function createVerificationCodes(
  p: Primitives,
  ring: MasterKeyRing,
  ephemeral: EphemeralStore,
  opts: { digits: number; ttlMs: number; now: () => number },
): VerificationCodes {
  const hasher = createKeyedIdentifierHash(p, ring, 'binding-code');
  return {
    async issue(bindingId, context) {
      const code = randomDigits(p, opts.digits);
      const kid = hasher.currentKid;
      const expiresAt = opts.now() + opts.ttlMs;
      const stored: StoredCode = { ...context, kid, mac: hasher.hash(kid, [bindingId, code])!, expiresAt };
      await ephemeral.put(key(bindingId), JSON.stringify(stored), opts.ttlMs);
      return { code, expiresAt };
    },
    async check(bindingId, code) {
      const raw = await ephemeral.get(key(bindingId));
      const stored = raw === undefined ? undefined : (JSON.parse(raw) as StoredCode);
      if (stored === undefined || stored.expiresAt <= opts.now()) return { outcome: 'expired' };
      const expected = hasher.hash(stored.kid, [bindingId, code]);
      // Constant time; a code of another length MACs to a different value all the same.
      if (expected === undefined || !hasher.equal(expected, stored.mac)) return { outcome: 'wrong' };
      // Single use: of concurrent right answers, only the one that takes the record wins.
      if ((await ephemeral.take(key(bindingId))) === undefined) return { outcome: 'expired' };
      const { kid: _k, mac: _m, expiresAt: _e, ...context } = stored;
      return { outcome: 'ok', context };
    },
    void: (bindingId) => ephemeral.delete(key(bindingId)),
  };
}
