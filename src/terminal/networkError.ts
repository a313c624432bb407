// The `client.network` error of a request that failed on the way: fetch refused, the
// connection broke, a body stream failed. Its message never holds the URL's user info.
import { TesseraError } from '../protocol/errors.ts';

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

/**
 * `client.network` for `err`, raised while doing `what` with the server at `url`
 * (`could not reach` for fetch, `the answer broke off from` for a body that failed midway).
 */
export function networkError(err: unknown, url: string, what = 'could not reach'): TesseraError {
  const raw = String((err as Error)?.message ?? err);
  const message = withoutUserInfo(raw, url);
  // The cause is kept for debugging, unless its message held the user info taken out here.
  return new TesseraError('client.network', `${what} ${new URL(url).origin}: ${message}`, message === raw ? { cause: err } : {});
}
