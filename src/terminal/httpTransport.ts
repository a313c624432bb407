// JSON over fetch for the terminal SDK: sends a request, maps problem+json answers to
// TesseraError with the server's stable code, and network failures to `client.network`.
import { ERROR_CATALOGUE, type ErrorCode, TesseraError } from '../protocol/errors.ts';

/** The fetch function the SDK uses (global fetch by default; injectable for other runtimes). */
export type FetchLike = (input: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array | string }) => Promise<Response>;

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

/** Sends one request and parses a JSON answer (a non-JSON answer is `client.bad_response`). */
export async function sendJson(fetchFn: FetchLike, url: string, method: string, headers: Record<string, string>, body?: Uint8Array): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetchFn(url, body === undefined ? { method, headers } : { method, headers, body });
  } catch (err) {
    const raw = String((err as Error)?.message ?? err);
    const message = withoutUserInfo(raw, url);
    // The cause is kept for debugging, unless its message held the user info taken out here.
    throw new TesseraError('client.network', `could not reach ${new URL(url).origin}: ${message}`, message === raw ? { cause: err } : {});
  }
  const text = await res.text();
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
