// CPU time of another process from /proc/<pid>/stat (utime + stime, all threads), so the
// benchmark can charge a server child for its CPU without adding anything to the server.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** True where /proc/<pid>/stat can be read (Linux). */
export const procAvailable = (): boolean => existsSync('/proc/self/stat');

/** CPU seconds (user + system, every thread) the process has used so far. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "pid (comm) ": state is field 3, utime 14, stime 15 (1-based).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot parse /proc/${pid}/stat`);
  return (utime + stime) / clockTicks();
}

/**
 * Busy CPU seconds of the whole machine so far (all cores; everything but idle and iowait),
 * to show how much of the machine other processes and unattributed kernel work took.
 */
export function machineBusySeconds(): { busy: number; interrupts: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((a, b) => a + (b ?? 0), 0);
  // irq + softirq: mostly loopback networking, not charged to any process.
  return { busy: busy / clockTicks(), interrupts: ((irq ?? 0) + (softirq ?? 0)) / clockTicks() };
}

/**
 * CPU seconds so far of every process whose command name is in `names` (e.g. the
 * PostgreSQL backends and redis-server the server talks to). A process that exits between
 * two readings drops out of the sum, so the difference is a floor.
 */
export function namedProcessesCpuSeconds(names: readonly string[]): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (names.includes(comm)) total += processCpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
