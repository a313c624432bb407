// A store that is down or full fails every request that needs it. Logging each at error
// would write an error line with its stack per request for as long as that lasts (a flood of
// hellos at a full store: one per refused hello). The first is logged at once, then at most
// one line a second, saying how many were left out since the last; each request still has
// its access line with its 503.

/** What the outage log writes to: pino's error method. */
interface ErrorLogger {
  error(object: Record<string, unknown>, message: string): void;
}

/** Rate-limited error lines for store outages, one instance per app. */
export class OutageLog {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #last = Number.NEGATIVE_INFINITY;
  #leftOut = 0;

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Logs `err`, unless a line was written less than the interval ago: then it is only counted. */
  report(log: ErrorLogger, err: unknown): void {
    const now = this.#now();
    if (now >= this.#last && now - this.#last < this.#intervalMs) {
      this.#leftOut++;
      return;
    }
    log.error({ err, leftOut: this.#leftOut }, 'request failed: a backing store is unavailable (503); more within a second are counted in leftOut of the next line');
    this.#last = now;
    this.#leftOut = 0;
  }
}
