// Runs provisioning batches on worker threads (the crypto: two HKDFs, an AEAD seal and three
// hashes per terminal) or, for small lots, inline. Results come back per job; the caller
// keeps a bounded number of jobs in flight and commits them in order.
import { Worker } from 'node:worker_threads';
import { nodePrimitives } from '../../protocol/nodePrimitives.ts';
import { parseStationFile, type StationFile } from '../../protocol/factory/stationFile.ts';
import { batchProvisioner, type ProvisionBatch, type ProvisionJob } from './provisionBatch.ts';

type Result = ProvisionBatch;

/** Runs jobs; `close` ends the threads. */
export interface BatchRunner {
  readonly threads: number;
  run(job: ProvisionJob): Promise<Result>;
  close(): Promise<void>;
}

/**
 * Small heaps: a worker keeps nothing beyond its batch, but V8 sizes each thread's heap from
 * the machine's memory and collects lazily, so without limits every worker grows well beyond
 * what it needs, for no gain in speed. A batch needs well under 1 MB of heap.
 */
const LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 16 };

/**
 * A worker running provisionWorker next to this file: the .js of the compiled package, or,
 * when running from source, the .ts through a bootstrap that registers tsx in the worker
 * first (tsx's loader hooks do not reach worker threads by themselves).
 */
function startWorker(station: StationFile): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./provisionWorker.js', import.meta.url), { workerData: { station }, resourceLimits: LIMITS });
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./provisionWorker.ts', import.meta.url).href);
  return new Worker(`import(${api}).then((tsx) => { tsx.register(); return import(${entry}); })`, { eval: true, workerData: { station }, resourceLimits: LIMITS });
}

/** A runner with `threads` workers; 0 runs every job on the calling thread. */
export function createBatchRunner(station: StationFile, threads: number): BatchRunner {
  if (threads === 0) {
    const provision = batchProvisioner(nodePrimitives, parseStationFile(station));
    return { threads: 0, run: async (job) => provision(job), close: async () => {} };
  }
  const pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  const workers = Array.from({ length: threads }, () => {
    const w = startWorker(station);
    w.on('message', (msg: { seq: number; result: Result }) => {
      const p = pending.get(msg.seq);
      pending.delete(msg.seq);
      p?.resolve(msg.result);
    });
    w.on('error', (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    return w;
  });
  let seq = 0;
  return {
    threads,
    run(job) {
      const id = seq++;
      return new Promise<Result>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        workers[id % workers.length]!.postMessage({ seq: id, job });
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
