// Reads a Retry-After header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date (§5.6.7),
// which a recipient must accept in all three of its formats. Anything else is no advice.

const DAYS = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const LONG_DAYS = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = MONTHS.join('|');
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, rfc850-date `Sunday, 06-Nov-94 08:49:37 GMT`, asctime-date `Sun Nov  6 08:49:37 1994`.
const IMF_FIXDATE = new RegExp(`^(?:${DAYS}), (\\d{2}) (${MONTH}) (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^(?:${LONG_DAYS}), (\\d{2})-(${MONTH})-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^(?:${DAYS}) (${MONTH}) ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/** RFC 9111 §1.2.2: delta-seconds too large to represent count as 2^31. */
const MAX_DELTA_SECONDS = 2 ** 31;

function utc(year: number, month: string, day: number, h: string, m: string, s: string): number | undefined {
  const mon = MONTHS.indexOf(month);
  const [hh, mm, ss] = [Number(h), Number(m), Number(s)];
  if (hh > 23 || mm > 59 || ss > 60) return undefined;
  const t = Date.UTC(year, mon, day, hh, mm, Math.min(ss, 59));
  // A day the month does not have (31 Nov) rolls over in Date.UTC: refused.
  return new Date(t).getUTCDate() === day ? t : undefined;
}

/**
 * Milliseconds since the epoch of an HTTP-date, undefined when `value` is none. A two-digit
 * rfc850 year more than 50 years after `nowMs` is the last such year in the past (§5.6.7).
 */
export function parseHttpDate(value: string, nowMs: number): number | undefined {
  let m = IMF_FIXDATE.exec(value);
  if (m) return utc(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  m = RFC850_DATE.exec(value);
  if (m) {
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = nowYear - (nowYear % 100) + Number(m[3]);
    if (year > nowYear + 50) year -= 100;
    return utc(year, m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  }
  m = ASCTIME_DATE.exec(value);
  if (m) return utc(Number(m[6]), m[1]!, Number(m[2]), m[3]!, m[4]!, m[5]!);
  return undefined;
}

/**
 * The seconds a Retry-After header asks to wait, or undefined when it is absent or malformed.
 * An HTTP-date counts from the answer's `Date` header when that parses (the terminal's clock
 * may be off), else from `nowMs`; one in the past is 0.
 * @example retryAfterSeconds('120', null, Date.now()) // 120
 */
export function retryAfterSeconds(retryAfter: string | null, date: string | null, nowMs: number): number | undefined {
  if (retryAfter === null) return undefined;
  if (/^\d+$/.test(retryAfter)) return Math.min(Number(retryAfter), MAX_DELTA_SECONDS);
  const at = parseHttpDate(retryAfter, nowMs);
  if (at === undefined) return undefined;
  const from = (date === null ? undefined : parseHttpDate(date, nowMs)) ?? nowMs;
  return Math.max(0, Math.ceil((at - from) / 1000));
}
