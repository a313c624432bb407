// A store that is down or full fails every request that needs it. Logging each at error
// would write an error line with its stack per request for as long as that lasts (a flood of
// hellos at a full store: one per refused hello). So each kind of failure (its root cause's
// name, code and message) is logged at once the first time, then at most once a second: the
// failures left out meanwhile are counted, and written as one line when the second ends.
// Different causes (Redis down while PostgreSQL is full) are limited apart, so one cannot
// hide the other. Each request still has its access line with its 503.

/** What the outage log writes to: pino's error method. */
export interface ErrorLogger {
  error(object: Record<string, unknown>, message: string): void;
}

interface Kind {
  last: number;
  leftOut: number;
  timer: NodeJS.Timeout | undefined;
  log: ErrorLogger;
  err: unknown;
}

/** Kinds tracked at most; past it, new kinds share one slot. */
const MAX_KINDS = 32;

/** The innermost cause of `err` (5 levels at most). */
function rootCause(err: unknown): unknown {
  let e = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null && (e as { cause?: unknown }).cause !== undefined; depth++) e = (e as { cause?: unknown }).cause;
  return e;
}

/** The kind of a failure: its root cause's name, code and the start of its message. */
function kindOf(err: unknown): string {
  const root = rootCause(err) as { name?: unknown; code?: unknown; message?: unknown } | null;
  if (typeof root !== 'object' || root === null) return String(root).slice(0, 100);
  return `${String(root.name)}|${String(root.code ?? '')}|${String(root.message ?? '').slice(0, 100)}`;
}

export const OUTAGE_MESSAGE = 'request failed: a backing store is unavailable (503)';
export const LEFT_OUT_MESSAGE = 'more requests failed the same way (503) within a second of the last line; leftOut counts them';

/** Rate-limited error lines for store outages, one instance per app. */
export class OutageLog {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #kinds = new Map<string, Kind>();

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Logs `err` unless its kind was logged less than the interval ago: then it is counted, and written when the interval ends. */
  report(log: ErrorLogger, err: unknown): void {
    const now = this.#now();
    let key = kindOf(err);
    if (!this.#kinds.has(key) && this.#kinds.size >= MAX_KINDS) key = 'other';
    const kind = this.#kinds.get(key);
    if (kind !== undefined && now >= kind.last && now - kind.last < this.#intervalMs) {
      kind.leftOut++;
      kind.log = log;
      kind.err = err;
      kind.timer ??= setTimeout(() => this.#flush(key), kind.last + this.#intervalMs - now).unref();
      return;
    }
    if (kind?.timer) clearTimeout(kind.timer);
    if (kind !== undefined && kind.leftOut > 0) log.error({ err: kind.err, leftOut: kind.leftOut }, LEFT_OUT_MESSAGE);
    log.error({ err }, OUTAGE_MESSAGE);
    this.#kinds.set(key, { last: now, leftOut: 0, timer: undefined, log, err });
  }

  /** Writes the count of failures left out of `key` so far, if any. */
  #flush(key: string): void {
    const kind = this.#kinds.get(key);
    if (kind === undefined) return;
    kind.timer = undefined;
    if (kind.leftOut === 0) return;
    kind.log.error({ err: kind.err, leftOut: kind.leftOut }, LEFT_OUT_MESSAGE);
    kind.leftOut = 0;
  }

  /** Writes every pending count now (tests; the timers do it otherwise). */
  flushAll(): void {
    for (const [key, kind] of this.#kinds) {
      if (kind.timer) clearTimeout(kind.timer);
      this.#flush(key);
    }
  }
}
