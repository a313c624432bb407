// The closed-loop load generator: `concurrency` workers each run one operation after another
// (so exactly that many are in flight), through a warm-up and then a timed window; counts the
// operations that complete inside the window and their latencies. Stops by itself: no new
// operation starts after the window, and each operation has its own timeout.
import { percentile } from '../lib/stats.ts';
import type { LoadPlan, LoadResult } from '../lib/driverProtocol.ts';

/** One unit of load; `worker` is the worker's index (0..concurrency-1). */
export type Operation = (worker: number) => Promise<void>;

/** Called when the timed window opens and closes (the benchmark samples server CPU there). */
export interface WindowHooks {
  onWindowStart(): void;
  onWindowEnd(): void;
}

const describe = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 300);
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the plan and returns what happened inside the window. */
export async function runLoad(op: Operation, plan: LoadPlan, hooks: WindowHooks): Promise<LoadResult> {
  // Changed by the timers below; `as` keeps TypeScript from narrowing it to 'warmup'.
  let phase = 'warmup' as 'warmup' | 'window' | 'done';
  let windowStart = 0;
  let windowEnd = 0;
  let completed = 0;
  let errors = 0;
  const latencies: number[] = [];
  const samples = new Map<string, number>();
  // Hard stop even if timers were starved: warm-up + window + one operation timeout.
  const hardDeadline = performance.now() + plan.warmupMs + plan.durationMs + plan.operationTimeoutMs;

  let endTimer: NodeJS.Timeout | undefined;
  const openWindow = () => {
    windowStart = performance.now();
    phase = 'window';
    hooks.onWindowStart();
    endTimer = setTimeout(closeWindow, plan.durationMs);
  };
  const closeWindow = () => {
    if (phase === 'done') return;
    windowEnd = performance.now();
    phase = 'done';
    hooks.onWindowEnd();
  };
  const warmTimer = setTimeout(openWindow, plan.warmupMs);

  async function worker(index: number): Promise<void> {
    while (phase !== 'done' && performance.now() < hardDeadline) {
      const started = performance.now();
      try {
        await op(index);
        if (phase === 'window') {
          completed++;
          latencies.push(performance.now() - started);
        }
      } catch (err) {
        if (phase === 'window') errors++;
        const message = describe(err);
        if (samples.has(message) || samples.size < 5) samples.set(message, (samples.get(message) ?? 0) + 1);
        await pause(5); // a dead target must not turn this loop into a busy spin
      }
    }
  }

  await Promise.all(Array.from({ length: plan.concurrency }, (_, i) => worker(i)));
  clearTimeout(warmTimer);
  clearTimeout(endTimer);
  if (phase !== 'done') closeWindow(); // hard deadline reached first
  if (windowStart === 0) windowStart = windowEnd;

  const sorted = Float64Array.from(latencies).sort();
  return {
    completed,
    errors,
    errorSamples: [...samples].map(([message, count]) => ({ message, count })),
    windowMs: windowEnd - windowStart,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    notes: [],
  };
}
