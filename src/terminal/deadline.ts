// How long the terminal waits on a server: an AbortSignal that fires when the time runs out
// (fetch and the body stream stop), and a race that ends the wait even when an injected fetch
// ignores the signal. setTimeout and AbortController exist in browsers too.
import { TesseraError } from '../protocol/errors.ts';

/** What the SDK waits for a server by default: 30 s for a whole answer, or for the next bytes of a download. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The largest delay setTimeout keeps (a larger one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks a `timeoutMs` option: a number of milliseconds from 1 to 2^31−1, or Infinity to wait
 * without end; undefined gives the default. Throws `input.invalid` otherwise.
 */
export function checkTimeoutMs(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return DEFAULT_TIMEOUT_MS;
  if (timeoutMs === Number.POSITIVE_INFINITY || (timeoutMs >= 1 && timeoutMs <= MAX_TIMER_MS)) return timeoutMs;
  throw new TesseraError('input.invalid', `timeoutMs must be from 1 to ${MAX_TIMER_MS} milliseconds, or Infinity`, { field: 'timeoutMs' });
}

/**
 * A timer for one request. `signal` aborts when it runs out; `race` rejects with
 * `client.timeout` then; `restart` starts the full time again (progress on a long download).
 * @example
 * const deadline = new Deadline(30_000, 'https://tessera.example');
 * try { await deadline.race(fetch(url, { signal: deadline.signal })); } finally { deadline.clear(); }
 */
export class Deadline {
  readonly #controller = new AbortController();
  readonly #ms: number;
  readonly #origin: string;
  readonly #expired: Promise<never>;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number, origin: string) {
    this.#ms = ms;
    this.#origin = origin;
    this.#expired = new Promise<never>((_resolve, reject) => {
      this.#controller.signal.addEventListener('abort', () => reject(this.error()), { once: true });
    });
    // Nobody may be racing when the time runs out; the rejection is still handled.
    this.#expired.catch(() => {});
    this.restart();
  }

  /** Aborts fetch and the body stream when the time runs out. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the time ran out. */
  get expired(): boolean {
    return this.#controller.signal.aborted;
  }

  /** The error of a wait that ran out. */
  error(): TesseraError {
    return new TesseraError('client.timeout', `${this.#origin} did not answer within ${this.#ms} ms`);
  }

  /** Starts the full time again, unless it already ran out. */
  restart(): void {
    this.clear();
    if (this.#ms === Number.POSITIVE_INFINITY || this.expired) return;
    this.#timer = setTimeout(() => this.#controller.abort(), this.#ms);
  }

  /** Resolves as `p` does, or rejects with `client.timeout` when the time runs out first. */
  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.#expired]);
  }

  /** Stops the timer (the request is over). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
