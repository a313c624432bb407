// The progress bar of long factory jobs (provision, import): count, rate and ETA on stderr
// when stderr is a terminal; nothing otherwise, so logs and pipes stay clean.
import cliProgress from 'cli-progress';

/** A progress display. */
export interface Progress {
  start(total: number, done: number): void;
  update(done: number): void;
  stop(): void;
}

const NONE: Progress = { start() {}, update() {}, stop() {} };

/** A bar labelled `label`, or a no-op when `stream` is not a TTY. */
export function createProgress(label: string, unit: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 40,
      fps: 5,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedAt = 0;
  let startValue = 0;
  const rate = (done: number) => {
    const s = (performance.now() - startedAt) / 1000;
    return s > 0 ? Math.round((done - startValue) / s).toLocaleString('en-US') : '–';
  };
  return {
    start(total, done) {
      startedAt = performance.now();
      startValue = done;
      bar.start(Math.max(total, done), done, { rate: '–' });
    },
    update(done) {
      if (done > bar.getTotal()) bar.setTotal(done);
      bar.update(done, { rate: rate(done) });
    },
    stop: () => bar.stop(),
  };
}
