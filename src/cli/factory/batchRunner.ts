// Runs provisioning batches on worker threads (the crypto: two HKDFs, an AEAD seal and three
// hashes per terminal) or, for small lots, inline. Results come back per job; the caller
// keeps a bounded number of jobs in flight and commits them in order.
import { Worker } from 'node:worker_threads';
import { nodePrimitives } from '../../protocol/nodePrimitives.ts';
import { parseStationFile, type StationFile } from '../../protocol/factory/stationFile.ts';
import { type ProvisionBatch, type ProvisionJob, provisionBatch } from './provisionBatch.ts';

type Result = ProvisionBatch;

/** Runs jobs; `close` ends the threads. */
export interface BatchRunner {
  readonly threads: number;
  run(job: ProvisionJob): Promise<Result>;
  close(): Promise<void>;
}

/** A small young generation: batches make short-lived garbage, and V8 would otherwise grow it to 48 MB per thread. */
const LIMITS = { maxYoungGenerationSizeMb: Number(process.env['TESSERA_WORKER_YOUNG_MB'] ?? 8) };

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
    const lot = parseStationFile(station);
    return { threads: 0, run: async (job) => provisionBatch(nodePrimitives, lot, job), close: async () => {} };
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
