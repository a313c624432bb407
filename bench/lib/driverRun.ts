// Runs one load-driver child (bench/driver/loadDriver.ts) for a job and samples CPU meters
// (server processes, the driver itself) when the driver's timed window opens and closes, so
// throughput and CPU seconds cover the same window.
import type { ChildProcess } from 'node:child_process';
import { isRunning, spawnTracked, stopChild, waitForMessage } from './children.ts';
import type { DriverJob, FromDriver, LoadPlan, LoadResult } from './driverProtocol.ts';
import { isFromDriver } from './driverProtocol.ts';
import { machineBusySeconds, procAvailable, processCpuSeconds } from './procCpu.ts';

/** Cumulative CPU seconds of something, read on demand. */
export interface CpuMeter {
  name: string;
  read(): Promise<number>;
}

/** A meter over /proc/<pid>/stat (NaN where /proc is missing). */
export const procMeter = (name: string, pid: number): CpuMeter => ({
  name,
  read: async () => (procAvailable() ? processCpuSeconds(pid) : Number.NaN),
});

/** The driver's result plus CPU seconds per meter inside the window. */
export interface DriverRun {
  result: LoadResult;
  /** CPU seconds used inside the window, by meter name ('driver', 'machine' and 'interrupts' are always there). */
  cpuSeconds: Record<string, number>;
}

const safeRead = (m: CpuMeter) => m.read().catch(() => Number.NaN);

/** Spawns the driver, runs the job, returns its result; the driver is gone when this returns. */
export async function runDriver(root: string, job: DriverJob, plan: LoadPlan, meters: CpuMeter[]): Promise<DriverRun> {
  const child: ChildProcess = spawnTracked(process.execPath, ['--import', 'tsx', 'bench/driver/loadDriver.ts'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const machine: CpuMeter = { name: 'machine', read: async () => (procAvailable() ? machineBusySeconds().busy : Number.NaN) };
    const interrupts: CpuMeter = { name: 'interrupts', read: async () => (procAvailable() ? machineBusySeconds().interrupts : Number.NaN) };
    const all = [...meters, procMeter('driver', child.pid!), machine, interrupts];
    let atStart: Promise<number[]> | undefined;
    let atEnd: Promise<number[]> | undefined;
    child.on('message', (msg: unknown) => {
      if (!isFromDriver(msg)) return;
      if (msg.type === 'window-start') atStart = Promise.all(all.map(safeRead));
      if (msg.type === 'window-end') atEnd = Promise.all(all.map(safeRead));
    });
    await waitForMessage(child, (m): m is FromDriver => isFromDriver(m) && m.type === 'ready', 30_000, 'the load driver');
    child.send({ type: 'start', job, plan });
    const budget = plan.warmupMs + plan.durationMs + 2 * plan.operationTimeoutMs + 30_000;
    const final = await waitForMessage(
      child,
      (m): m is Extract<FromDriver, { type: 'result' | 'failed' }> => isFromDriver(m) && (m.type === 'result' || m.type === 'failed'),
      budget,
      'the load driver',
    );
    if (final.type === 'failed') throw new Error(`the load driver failed: ${final.message}`);
    const start = (await atStart) ?? all.map(() => Number.NaN);
    const end = (await atEnd) ?? all.map(() => Number.NaN);
    const cpuSeconds: Record<string, number> = {};
    all.forEach((m, i) => {
      cpuSeconds[m.name] = end[i]! - start[i]!;
    });
    return { result: final.result, cpuSeconds };
  } finally {
    if (isRunning(child)) await stopChild(child, 3000);
  }
}
