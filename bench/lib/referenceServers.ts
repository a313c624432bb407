// Starts the two reference servers as children: the bare Fastify floor
// (bench/servers/floorServer.ts) and the node:tls mutual-TLS server
// (bench/servers/mtlsServer.ts), whose CPU is read over IPC with process.cpuUsage().
import type { ChildProcess } from 'node:child_process';
import { spawnTracked, waitForMessage } from './children.ts';
import type { CpuMeter } from './driverRun.ts';

type Listening<T> = { type: 'listening' } & T;
const listening = <T>(msg: unknown): msg is Listening<T> => typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'listening';

function spawnServer(root: string, script: string, args: string[] = []): ChildProcess {
  return spawnTracked(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/**
 * The floor server child and its URL; `nodeHttp`: served by node:http alone, without Fastify;
 * `workUs`: CPU µs its route spends before answering.
 */
export async function startFloorServer(root: string, nodeHttp = false, workUs = 0): Promise<{ child: ChildProcess; url: string }> {
  const args = [...(nodeHttp ? ['--node-http'] : []), ...(workUs > 0 ? ['--work-us', String(workUs)] : [])];
  const child = spawnServer(root, 'bench/servers/floorServer.ts', args);
  const msg = await waitForMessage(child, listening<{ url: string }>, 30_000, 'the floor server');
  return { child, url: msg.url };
}

/** What the mTLS server says about itself. */
export interface MtlsServerStats {
  cpuSeconds: number;
  accepted: number;
  refused: number;
}

/** The mTLS server child, its port, and a way to ask it for its CPU time and counts. */
export async function startMtlsServer(root: string, certDir: string): Promise<{ child: ChildProcess; port: number; stats(): Promise<MtlsServerStats>; meter: CpuMeter }> {
  const child = spawnServer(root, 'bench/servers/mtlsServer.ts', [certDir]);
  const msg = await waitForMessage(child, listening<{ port: number }>, 30_000, 'the mTLS server');
  let next = 0;
  const stats = async (): Promise<MtlsServerStats> => {
    const id = ++next;
    type CpuAnswer = { type: 'cpu'; id: number; userMicros: number; systemMicros: number; accepted: number; refused: number };
    const answer = waitForMessage(
      child,
      (m): m is CpuAnswer => typeof m === 'object' && m !== null && (m as CpuAnswer).type === 'cpu' && (m as CpuAnswer).id === id,
      10_000,
      'the mTLS server',
    );
    child.send({ type: 'cpu', id });
    const a = await answer;
    return { cpuSeconds: (a.userMicros + a.systemMicros) / 1e6, accepted: a.accepted, refused: a.refused };
  };
  return { child, port: msg.port, stats, meter: { name: 'server', read: async () => (await stats()).cpuSeconds } };
}
