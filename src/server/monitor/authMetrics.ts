// Prometheus metrics of the authentication path, on a registry owned by one app instance.
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Failure reasons recorded by `tessera_handshakes_failed_total{reason}`. */
export type HandshakeFailure =
  | 'unknown_terminal'
  | 'bad_proof'
  | 'revoked'
  | 'challenge_expired'
  | 'suite_unsupported'
  | 'replayed_hello'
  | 'suite_not_allowed';

/** The metrics one server instance exposes at `/metrics`. */
export interface AuthMetrics {
  registry: Registry;
  handshakesStarted: Counter;
  handshakesSucceeded: Counter;
  handshakesFailed: Counter<'reason'>;
  stepDuration: Histogram<'step' | 'outcome'>;
  signedRequests: Counter<'outcome'>;
}

/** Creates a fresh registry with the auth metrics and Node's default process metrics. */
export function createAuthMetrics(): AuthMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tessera_' });
  return {
    registry,
    handshakesStarted: new Counter({ name: 'tessera_handshakes_started_total', help: 'Handshakes begun (hello accepted).', registers: [registry] }),
    handshakesSucceeded: new Counter({ name: 'tessera_handshakes_succeeded_total', help: 'Handshakes finished with a session.', registers: [registry] }),
    handshakesFailed: new Counter({ name: 'tessera_handshakes_failed_total', help: 'Handshakes refused, by reason.', labelNames: ['reason'], registers: [registry] }),
    stepDuration: new Histogram({
      name: 'tessera_handshake_step_duration_seconds',
      help: 'Server time spent in each handshake step, by outcome (ok or refused).',
      labelNames: ['step', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    signedRequests: new Counter({ name: 'tessera_signed_requests_total', help: 'Signed requests, by outcome code.', labelNames: ['outcome'], registers: [registry] }),
  };
}
