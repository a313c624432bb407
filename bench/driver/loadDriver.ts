// The load-driver child process: receives a job over IPC, repeats its operation with N in
// flight through a warm-up and a timed window (bench/driver/runLoad.ts), reports when the
// window opens and closes (so the parent can sample server CPU) and what it measured.
// Runs in its own process so the load generator's CPU is not charged to any server.
import type { FromDriver, ToDriver } from '../lib/driverProtocol.ts';
import { JsonPoster } from './httpClient.ts';
import { floorRequest, mtlsHandshake, type PreparedOperation, tesseraHandshake } from './operations.ts';
import { runLoad } from './runLoad.ts';

const send = (msg: FromDriver, then?: () => void) => process.send?.(msg, undefined, {}, () => then?.());

if (!process.send) {
  process.stderr.write('bench/driver/loadDriver.ts is started by bench/auth.ts (it needs an IPC channel)\n');
  process.exit(2);
}
// The parent went away: stop at once.
process.on('disconnect', () => process.exit(0));

process.once('message', (raw) => {
  const msg = raw as ToDriver;
  void (async () => {
    let prepared: PreparedOperation | undefined;
    try {
      if (msg.type !== 'start') throw new Error(`unexpected message ${String(msg.type)}`);
      const { job, plan } = msg;
      prepared =
        job.kind === 'tessera'
          ? tesseraHandshake(job, new JsonPoster(job.url, plan.operationTimeoutMs))
          : job.kind === 'floor'
            ? floorRequest(job, new JsonPoster(job.url, plan.operationTimeoutMs))
            : mtlsHandshake(job, plan.operationTimeoutMs);
      const result = await runLoad(prepared.op, plan, {
        onWindowStart: () => send({ type: 'window-start' }),
        onWindowEnd: () => send({ type: 'window-end' }),
      });
      result.notes.push(...prepared.notes());
      prepared.close();
      send({ type: 'result', result }, () => process.disconnect?.());
    } catch (err) {
      prepared?.close();
      send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }, () => process.disconnect?.());
    }
  })();
});
send({ type: 'ready' });
