// JSON over fetch for the terminal SDK: sends a request, reads at most 1 MiB of answer, maps
// problem+json answers to TesseraError with the server's stable code, network failures (also
// midway through the answer) to `client.network` and a server too slow to `client.timeout`.
import { ERROR_CATALOGUE, type ErrorCode, TesseraError } from '../protocol/errors.ts';
import { cleanText } from './cleanText.ts';
import { Deadline } from './deadline.ts';
import { networkError } from './networkError.ts';
import { readBody } from './readBody.ts';
import { retryAfterSeconds } from './retryAfter.ts';

/**
 * The fetch function the SDK uses (global fetch by default; injectable for other runtimes).
 * It should pass `signal` on, so a request that times out is aborted, not only abandoned.
 */
export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array | string; signal?: AbortSignal; redirect?: 'manual' | 'follow' }) => Promise<Response>;

/** How long sendJson waits for a whole answer, and how much of it it reads. */
export interface RequestLimits {
  /** Milliseconds (Infinity: no limit). */
  timeoutMs: number;
  /** The largest answer read (default {@link MAX_ANSWER_BYTES}); a larger one is `client.bad_response`. */
  maxAnswerBytes?: number;
}

/** The largest JSON answer the terminal reads (1 MiB); the protocol's largest answers are a few KiB. */
export const MAX_ANSWER_BYTES = 1 << 20;

const MiB = 1 << 20;
const sizeText = (n: number) => (n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`);

/** A parsed HTTP answer. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** fetch, with its failures typed: `client.timeout` past the deadline, `client.network` otherwise. */
export async function fetchAnswer(fetchFn: FetchLike, url: string, init: Parameters<FetchLike>[1], deadline: Deadline): Promise<Response> {
  try {
    return await deadline.race(fetchFn(url, { ...init, signal: deadline.signal }));
  } catch (err) {
    throw deadline.expired ? deadline.error() : networkError(err, url);
  }
}

/**
 * Reads and parses a JSON answer: one over `maxBytes` (announced or sent) is cut off and
 * `client.bad_response`, and so is one that is not JSON; an empty body is undefined.
 */
export async function readJsonAnswer(res: Response, url: string, deadline: Deadline, maxBytes = MAX_ANSWER_BYTES): Promise<HttpAnswer> {
  const { bytes, over } = await readBody(res, maxBytes, { url, deadline });
  if (over) throw new TesseraError('client.bad_response', `the server answered ${res.status} with a body larger than ${sizeText(maxBytes)}`);
  const text = new TextDecoder().decode(bytes);
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new TesseraError('client.bad_response', `the server answered ${res.status} with a body that is not JSON`);
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Where a redirect points, for a message: origin and path only (no user info, query or fragment), cleaned. */
function redirectTarget(res: Response, url: string): string {
  const location = res.headers.get('location');
  if (location === null) return 'a location it does not show';
  try {
    const to = new URL(location, url);
    return cleanText(to.origin + to.pathname);
  } catch {
    return 'a location that is not a URL';
  }
}

/**
 * Refuses a redirect (`client.bad_response`): a signed request, a proof or the terminal's
 * facts must reach only the configured server. fetch runs with `redirect: 'manual'`, which
 * gives the 3xx itself in Node and an opaque redirect (status 0) in a browser.
 */
function refuseRedirect(res: Response, url: string): void {
  if (res.type !== 'opaqueredirect' && (res.status < 300 || res.status > 399)) return;
  void res.body?.cancel().catch(() => {});
  throw new TesseraError(
    'client.bad_response',
    `the server answered ${res.status} redirecting to ${redirectTarget(res, url)}; the SDK follows no redirect (give the URL the server answers on)`,
  );
}

/**
 * Sends one request and parses its JSON answer (see {@link readJsonAnswer}). The whole
 * exchange, the answer read to its end, must fit in `limits.timeoutMs` (`client.timeout`).
 * A redirect is not followed but refused (`client.bad_response`).
 */
export async function sendJson(fetchFn: FetchLike, url: string, method: string, headers: Record<string, string>, body: Uint8Array | undefined, limits: RequestLimits): Promise<HttpAnswer> {
  const deadline = new Deadline(limits.timeoutMs, new URL(url).origin);
  try {
    const res = await fetchAnswer(fetchFn, url, { method, headers, ...(body === undefined ? {} : { body }), redirect: 'manual' }, deadline);
    refuseRedirect(res, url);
    return await readJsonAnswer(res, url, deadline, limits.maxAnswerBytes);
  } finally {
    deadline.clear();
  }
}

/** A problem's `field` is kept only when it looks like the name of an input member. */
const FIELD = /^[A-Za-z0-9_.[\]/-]{1,64}$/;

/**
 * Throws the server's problem as a TesseraError when the answer is not 2xx: its code when it
 * is one of the catalogue's server codes (else `client.bad_response`), its detail (or title) cleaned and
 * cut to 300 characters, `Retry-After` as seconds (retryAfter.ts) and a plausible `field`.
 */
export function raiseForProblem(answer: HttpAnswer, now: () => number = Date.now): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const problem = (answer.body ?? {}) as { code?: unknown; detail?: unknown; title?: unknown; field?: unknown };
  // The client's own codes (client.network, …) describe what the terminal saw, never a server's answer.
  const known = typeof problem.code === 'string' && Object.hasOwn(ERROR_CATALOGUE, problem.code) && !problem.code.startsWith('client.');
  const code = known ? (problem.code as ErrorCode) : 'client.bad_response';
  const message = cleanText(typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `HTTP ${answer.status}`);
  const retry = retryAfterSeconds(answer.headers.get('retry-after'), answer.headers.get('date'), now());
  const field = typeof problem.field === 'string' && FIELD.test(problem.field) ? problem.field : undefined;
  throw new TesseraError(code, message, { status: answer.status, ...(retry === undefined ? {} : { retryAfterSeconds: retry }), ...(field === undefined ? {} : { field }) });
}
