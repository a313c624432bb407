// The IPC messages between the benchmark and its load-driver child (bench/driver/loadDriver.ts):
// what to drive, how hard, and the counts and latencies it measured in the timed window.
import type { TerminalCredential } from '../../src/protocol/credential.ts';

/** What one driver run exercises. */
export type DriverJob =
  /** Full Tessera handshakes: POST /v1/auth/hello, check the server proof, POST /v1/auth/finish. */
  | { kind: 'tessera'; url: string; credentials: TerminalCredential[] }
  /** One JSON POST per operation against the bare Fastify floor server. */
  | { kind: 'floor'; url: string; path: string; body: string }
  /** One fresh mutual-TLS connection per operation (no resumption), closed after one byte. */
  | { kind: 'mtls'; host: string; port: number; servername: string; caPem: string; certPem: string; keyPem: string };

/** How hard and how long. */
export interface LoadPlan {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Per request / connection; an operation that takes longer fails. */
  operationTimeoutMs: number;
}

/** What the driver measured inside the timed window. */
export interface LoadResult {
  /** Operations that completed successfully inside the window. */
  completed: number;
  /** Operations that failed inside the window. */
  errors: number;
  /** Up to five distinct error messages with their counts. */
  errorSamples: Array<{ message: string; count: number }>;
  /** Actual window length. */
  windowMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Free-form facts the driver saw (negotiated suite, TLS version, …). */
  notes: string[];
}

export type ToDriver = { type: 'start'; job: DriverJob; plan: LoadPlan };
export type FromDriver =
  | { type: 'ready' }
  | { type: 'window-start' }
  | { type: 'window-end' }
  | { type: 'result'; result: LoadResult }
  | { type: 'failed'; message: string };

export const isFromDriver = (msg: unknown): msg is FromDriver =>
  typeof msg === 'object' && msg !== null && typeof (msg as { type?: unknown }).type === 'string';
