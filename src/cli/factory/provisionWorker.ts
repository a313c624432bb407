// Worker-thread entry of `tessera factory provision`: receives the lot material once (in
// workerData) and then jobs, and answers each with its computed batch (buffers transferred).
import { parentPort, workerData } from 'node:worker_threads';
import { nodePrimitives } from '../../protocol/nodePrimitives.ts';
import { parseStationFile } from '../../protocol/factory/stationFile.ts';
import { batchProvisioner, type ProvisionJob } from './provisionBatch.ts';

const provision = batchProvisioner(nodePrimitives, parseStationFile((workerData as { station: unknown }).station));

parentPort!.on('message', (msg: { seq: number; job: ProvisionJob }) => {
  const result = provision(msg.job);
  parentPort!.postMessage({ seq: msg.seq, result }, [result.fph.buffer as ArrayBuffer, result.pack.buffer as ArrayBuffer, result.lengths.buffer as ArrayBuffer]);
});
