// Records security events (refused handshakes, revocations, admin actions) in the durable
// event store. Recording never breaks the request that caused it: a failing store is logged.
import type { FastifyBaseLogger } from 'fastify';
import type { EventStore } from '../store/types.ts';

/** Event types written by this slice. */
export type SecurityEventType =
  | 'auth.failed'
  | 'hardware.mismatch'
  | 'terminal.restricted'
  | 'terminal.restored'
  | 'terminal.created'
  | 'terminal.revoked'
  | 'update.published'
  // Production lots (docs/factory.md)
  | 'lot.created'
  | 'lot.imported'
  | 'lot.import_refused'
  // SIM/secure-element bindings (docs/binding.md)
  | 'binding.registered'
  | 'binding.activated'
  | 'binding.ended'
  | 'binding.suspended'
  | 'binding.mismatch'
  | 'binding.code_failed'
  | 'binding.throttled'
  | 'binding.delivery_failed'
  | 'binding.sim_swap_reported'
  | 'binding.oracle_failed'
  // Purchase activation codes (docs/protocol.md §12)
  | 'activation.succeeded'
  | 'activation.failed'
  | 'activation.locked'
  | 'activation.throttled'
  | 'activation.batch_issued'
  | 'activation.batch_revoked';

/** Appends events; `record` resolves once the event is stored (or its failure logged). */
export interface SecurityEventRecorder {
  record(type: SecurityEventType, terminalId: string | null, source: string | null, detail: Record<string, unknown>): Promise<void>;
}

/** Creates a recorder over an event store. */
export function createSecurityEventRecorder(store: EventStore, log: FastifyBaseLogger, now: () => number): SecurityEventRecorder {
  return {
    async record(type, terminalId, source, detail) {
      try {
        await store.append({ at: new Date(now()), type, terminalId, source, detail });
      } catch (err) {
        log.error({ err, eventType: type, terminalId }, 'security event could not be stored');
      }
    },
  };
}
