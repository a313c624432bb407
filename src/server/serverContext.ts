// What every service of one server instance shares: config, stores, clock, crypto, metrics
// and the event recorder. Built once in buildApp; nothing here is global.
import type { FastifyBaseLogger } from 'fastify';
import type { Primitives } from '../protocol/primitives.ts';
import type { ServerConfig } from './config/serverConfig.ts';
import type { EphemeralStore } from './ephemeral/types.ts';
import type { AuthMetrics } from './monitor/authMetrics.ts';
import type { SecurityEventRecorder } from './monitor/securityEvents.ts';
import type { DurableStore } from './store/types.ts';

/** Shared dependencies of the services. */
export interface ServerContext {
  config: ServerConfig;
  durable: DurableStore;
  ephemeral: EphemeralStore;
  primitives: Primitives;
  /** Milliseconds since the epoch; injected so tests control time. */
  now: () => number;
  metrics: AuthMetrics;
  events: SecurityEventRecorder;
  log: FastifyBaseLogger;
}
