// A store that is down or full fails every request that needs it. Logging each at error
// would write an error line with its stack per request for as long as that lasts (a flood of
// hellos at a full store: one per refused hello). So each kind of failure (its root cause's
// name, code and message) is logged with its stack at once, then at most one line a second:
// the failures of each second are counted and written, without the stack, when it ends.
// Different causes (Redis down while PostgreSQL is full) are limited apart, so one cannot
// hide the other; a kind quiet for a second is forgotten. Each request still has its access
// line with its 503.

/** What the outage log writes to: pino's error method. */
export interface ErrorLogger {
  error(object: Record<string, unknown>, message: string): void;
}

interface Kind {
  /** When its last line was written. */
  last: number;
  leftOut: number;
  timer: NodeJS.Timeout | undefined;
  log: ErrorLogger;
  /** `name: message` of the root cause, for the count line. */
  cause: string;
}

/** Kinds tracked at most; past it, new kinds share one slot. */
const MAX_KINDS = 32;

/** The innermost cause of `err` (5 levels at most). */
function rootCause(err: unknown): unknown {
  let e = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null && (e as { cause?: unknown }).cause !== undefined; depth++) e = (e as { cause?: unknown }).cause;
  return e;
}

/** The kind of a failure (its root cause's name, code and the start of its message), and the cause as one line. */
function kindOf(err: unknown): { key: string; cause: string } {
  const root = rootCause(err) as { name?: unknown; code?: unknown; message?: unknown } | null;
  if (typeof root !== 'object' || root === null) return { key: String(root).slice(0, 100), cause: String(root).slice(0, 200) };
  const message = String(root.message ?? '').slice(0, 100);
  return { key: `${String(root.name)}|${String(root.code ?? '')}|${message}`, cause: `${String(root.name)}: ${message}` };
}

export const OUTAGE_MESSAGE = 'request failed: a backing store is unavailable (503)';
export const LEFT_OUT_MESSAGE = 'more requests failed the same way (503) in the second since the last line; leftOut counts them';

/** Rate-limited error lines for store outages, one instance per app. */
export class OutageLog {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #kinds = new Map<string, Kind>();

  constructor(options: { intervalMs?: number; now?: () => number } = {}) {
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Logs `err` unless a line of its kind was written less than the interval ago: then it is counted, and the count written when the interval ends. */
  report(log: ErrorLogger, err: unknown): void {
    const now = this.#now();
    const { key: own, cause } = kindOf(err);
    if (!this.#kinds.has(own) && this.#kinds.size >= MAX_KINDS) this.#forgetQuiet(now);
    const key = this.#kinds.has(own) || this.#kinds.size < MAX_KINDS ? own : 'other';
    const kind = this.#kinds.get(key);
    if (kind !== undefined && now >= kind.last && now - kind.last < this.#intervalMs) {
      kind.leftOut++;
      kind.log = log;
      kind.timer ??= setTimeout(() => this.#flush(key), kind.last + this.#intervalMs - now).unref();
      return;
    }
    // A count whose timer has not fired yet is written first.
    if (kind?.timer) clearTimeout(kind.timer);
    if (kind !== undefined) this.#flush(key);
    log.error({ err }, OUTAGE_MESSAGE);
    this.#kinds.set(key, { last: now, leftOut: 0, timer: undefined, log, cause });
  }

  /** Writes the count of `key`'s failures left out so far, if any; that line starts a new interval. */
  #flush(key: string): void {
    const kind = this.#kinds.get(key);
    if (kind === undefined) return;
    kind.timer = undefined;
    if (kind.leftOut === 0) return;
    kind.log.error({ cause: kind.cause, leftOut: kind.leftOut }, LEFT_OUT_MESSAGE);
    kind.leftOut = 0;
    kind.last = this.#now();
  }

  /** Forgets kinds with nothing pending whose last line is an interval old or more. */
  #forgetQuiet(now: number): void {
    for (const [key, kind] of this.#kinds) {
      if (kind.timer === undefined && kind.leftOut === 0 && (now < kind.last || now - kind.last >= this.#intervalMs)) this.#kinds.delete(key);
    }
  }

  /** Writes every pending count now (at close; the timers do it otherwise). */
  flushAll(): void {
    for (const [key, kind] of this.#kinds) {
      if (kind.timer) clearTimeout(kind.timer);
      this.#flush(key);
    }
  }
}
