// Terminal lifecycle in one place (docs/factory.md §6): what a session of a terminal in each
// state may do. Every route declares who may call it (http/routeAccess.ts); a signed-session
// route also declares the capability it needs, and a session holds the capabilities of its
// terminal's state, re-checked against the current state on each call. The update routes are
// public (a terminal restricted at boot has no session): `update` tells the terminal, in its
// session, that updating is what it may still do.
import type { TerminalStatus } from '../store/types.ts';

/**
 * Capabilities by state:
 * - `session`: the signed-session routes (session info, bindings, echo);
 * - `activate`: spend an activation code (provisioned terminals only);
 * - `update`: fetch and verify update manifests and files.
 */
export const STATE_CAPABILITIES: Readonly<Record<TerminalStatus, readonly string[]>> = Object.freeze({
  provisioned: Object.freeze(['session', 'activate', 'update']),
  active: Object.freeze(['session', 'update']),
  restricted: Object.freeze(['update']),
  revoked: Object.freeze([]),
});

/** Capabilities of a terminal state; an unknown state has none. */
export function capabilitiesFor(status: string): readonly string[] {
  return STATE_CAPABILITIES[status as TerminalStatus] ?? [];
}

/** What a session may do now: what it was granted, limited by the terminal's current state. */
export function effectiveCapabilities(granted: readonly string[], currentStatus: string): string[] {
  const allowed = capabilitiesFor(currentStatus);
  return granted.filter((c) => allowed.includes(c));
}

/** The admin (or monitor) operations on a terminal's state. */
export type AdminTransition = 'restrict' | 'restore' | 'revoke';

/**
 * The states restrict and revoke start from. Restore starts from `restricted` only and returns
 * the terminal to the state it was restricted from (the store's `terminals.restore`).
 */
export const ADMIN_TRANSITIONS: Readonly<Record<Exclude<AdminTransition, 'restore'>, readonly TerminalStatus[]>> = Object.freeze({
  restrict: ['provisioned', 'active'],
  revoke: ['provisioned', 'active', 'restricted'],
});
