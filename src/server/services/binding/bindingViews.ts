// The JSON view of a binding (terminal and admin APIs): no hash, no identifier, only the
// last four digits of the number.
import type { BindingRecord } from '../../store/types.ts';

/** A binding as the API shows it. */
export interface BindingView {
  id: string;
  terminalId: string;
  appId: string;
  status: string;
  reason: string | null;
  msisdnLast4: string;
  hashKid: number;
  exclusive: boolean;
  createdAt: string;
  updatedAt: string;
  verifiedAt: string | null;
  endedAt: string | null;
  cooldownUntil: string | null;
  expiresAt: string | null;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** The API view of a record. */
export function bindingView(b: BindingRecord): BindingView {
  return {
    id: b.id,
    terminalId: b.terminalId,
    appId: b.appId,
    status: b.status,
    reason: b.reason,
    msisdnLast4: b.msisdnLast4,
    hashKid: b.hashKid,
    exclusive: b.exclusive,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
    verifiedAt: iso(b.verifiedAt),
    endedAt: iso(b.endedAt),
    cooldownUntil: iso(b.cooldownUntil),
    expiresAt: iso(b.expiresAt),
  };
}
