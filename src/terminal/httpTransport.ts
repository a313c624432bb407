// JSON over fetch for the terminal SDK: sends a request, maps problem+json answers to
// TesseraError with the server's stable code, network failures to `client.network` and a
// server that does not answer in time to `client.timeout`.
import { ERROR_CATALOGUE, type ErrorCode, TesseraError } from '../protocol/errors.ts';
import { Deadline } from './deadline.ts';

/**
 * The fetch function the SDK uses (global fetch by default; injectable for other runtimes).
 * It should pass `signal` on, so a request that times out is aborted, not only abandoned.
 */
export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array | string; signal?: AbortSignal }) => Promise<Response>;

/** How long sendJson waits for a whole answer. */
export interface RequestLimits {
  /** Milliseconds (Infinity: no limit). */
  timeoutMs: number;
}

/** A parsed HTTP answer. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * `message` without the user info of any URL in it, nor `url`'s password elsewhere: fetch's
 * errors can repeat the URL (undici's for a URL with credentials does), and a password must
 * not reach a log or a terminal.
 */
function withoutUserInfo(message: string, url: string): string {
  let out = message.replace(/\/\/[^\s/?#@]*@/g, '//');
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    // Not a URL: fetch refused it before anything was sent, and there is no password to find.
  }
  for (const secret of new Set([password, safeDecode(password)])) {
    if (secret !== '') out = out.split(secret).join('***');
  }
  return out;
}

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The `client.network` error of a fetch that failed, without the URL's user info. */
export function networkError(err: unknown, url: string): TesseraError {
  const raw = String((err as Error)?.message ?? err);
  const message = withoutUserInfo(raw, url);
  // The cause is kept for debugging, unless its message held the user info taken out here.
  return new TesseraError('client.network', `could not reach ${new URL(url).origin}: ${message}`, message === raw ? { cause: err } : {});
}

/**
 * Sends one request and parses a JSON answer (a non-JSON answer is `client.bad_response`).
 * The whole exchange, body included, must end within `limits.timeoutMs` (`client.timeout`).
 */
export async function sendJson(fetchFn: FetchLike, url: string, method: string, headers: Record<string, string>, body: Uint8Array | undefined, limits: RequestLimits): Promise<HttpAnswer> {
  const deadline = new Deadline(limits.timeoutMs, new URL(url).origin);
  try {
    return await exchange(fetchFn, url, { method, headers, ...(body === undefined ? {} : { body }), signal: deadline.signal }, deadline);
  } finally {
    deadline.clear();
  }
}

async function exchange(fetchFn: FetchLike, url: string, init: Parameters<FetchLike>[1], deadline: Deadline): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await deadline.race(fetchFn(url, init));
  } catch (err) {
    throw deadline.expired ? deadline.error() : networkError(err, url);
  }
  let text: string;
  try {
    text = await deadline.race(res.text());
  } catch (err) {
    throw deadline.expired ? deadline.error() : err;
  }
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new TesseraError('client.bad_response', `the server answered ${res.status} with a body that is not JSON`);
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Throws the server's problem as a TesseraError when the answer is not 2xx. */
export function raiseForProblem(answer: HttpAnswer): void {
  if (answer.status >= 200 && answer.status < 300) return;
  const problem = (answer.body ?? {}) as { code?: unknown; detail?: unknown; title?: unknown; field?: unknown };
  const code = typeof problem.code === 'string' && problem.code in ERROR_CATALOGUE ? (problem.code as ErrorCode) : 'client.bad_response';
  const message = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `HTTP ${answer.status}`;
  const retry = answer.headers.get('retry-after');
  throw new TesseraError(code, message, { status: answer.status, ...(retry ? { retryAfterSeconds: Number(retry) } : {}), ...(typeof problem.field === 'string' ? { field: problem.field } : {}) });
}
