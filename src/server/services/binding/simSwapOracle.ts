// The SimSwapOracle adapter: asks the mobile operator whether a number's SIM changed, in
// the shape of the GSMA CAMARA SIM Swap API (github.com/camaraproject/SimSwap,
// code/API_definitions/sim-swap.yaml): POST {base}/check {phoneNumber, maxAge (hours,
// 1–2400)} → {swapped}; POST {base}/retrieve-date {phoneNumber} → {latestSimChange
// (RFC 3339 or null), monitoredPeriod?}. Two-legged access token: phoneNumber is sent.
import { randomUUID } from 'node:crypto';
import { isTesseraError, TesseraError } from '../../../protocol/errors.ts';
import type { SecurityEventRecorder } from '../../monitor/securityEvents.ts';

/** What the binding service asks the operator. */
export interface SimSwapOracle {
  /** Whether the number's SIM was swapped within the last `maxAgeHours` hours. */
  check(phoneNumber: string, maxAgeHours: number): Promise<boolean>;
  /** When the number's SIM last changed; null when the operator reports none it may tell. */
  latestSimChange(phoneNumber: string): Promise<Date | null>;
}

/** Options of {@link createCamaraSimSwapOracle}. */
export interface CamaraSimSwapOptions {
  /** The API root including its version path, e.g. `https://api.operator.example/sim-swap/v2`. */
  baseUrl: string;
  /** OAuth 2.0 access token sent as `Authorization: Bearer`. */
  token?: string | undefined;
  /** Default 5000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** What an operator error code looks like (CAMARA codes are upper-case words and dots). */
const OPERATOR_CODE = /^[A-Z][A-Z0-9_.]{0,63}$/;

const unavailable = (why: string, cause?: unknown) => new TesseraError('binding.oracle_unavailable', `SIM Swap API: ${why}`, cause === undefined ? {} : { cause });

/**
 * A CAMARA SIM Swap client. Any failure (network, non-200, unexpected JSON) rejects with
 * `binding.oracle_unavailable`; the caller decides whether to fail open or closed.
 * @example await createCamaraSimSwapOracle({ baseUrl, token }).check('+447400123456', 240)
 */
export function createCamaraSimSwapOracle(opts: CamaraSimSwapOptions): SimSwapOracle {
  const fetchFn = opts.fetch ?? fetch;
  const base = opts.baseUrl.replace(/\/+$/, '');
  async function post(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', 'x-correlator': randomUUID() };
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
    let res: Response;
    try {
      res = await fetchFn(base + path, { method: 'POST', headers, body: JSON.stringify(body), redirect: 'error', signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) });
    } catch (err) {
      throw unavailable(`${path} could not be reached (${(err as Error).name})`, err);
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      // Not the parse error as the cause: its message quotes the body, which may hold the number.
      throw unavailable(`${path} answered ${res.status} without JSON`);
    }
    if (res.status !== 200) {
      // The operator's error code (CAMARA: e.g. SIM_SWAP.UNKNOWN_PHONE_NUMBER) goes into logs and
      // events; anything that is not code-shaped is left out, so no echoed number or text can.
      const code = (json as { code?: unknown })?.code;
      throw unavailable(`${path} answered ${res.status}${typeof code === 'string' && OPERATOR_CODE.test(code) ? ` ${code}` : ''}`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw unavailable(`${path} answered with a non-object`);
    return json as Record<string, unknown>;
  }
  return {
    async check(phoneNumber, maxAgeHours) {
      const maxAge = Math.min(2400, Math.max(1, Math.ceil(maxAgeHours)));
      const { swapped } = await post('/check', { phoneNumber, maxAge });
      if (typeof swapped !== 'boolean') throw unavailable('/check answered without a boolean "swapped"');
      return swapped;
    },
    async latestSimChange(phoneNumber) {
      const { latestSimChange } = await post('/retrieve-date', { phoneNumber });
      if (latestSimChange === null) return null;
      const at = typeof latestSimChange === 'string' ? new Date(latestSimChange) : undefined;
      if (at === undefined || Number.isNaN(at.getTime()) || !/(Z|[+-]\d\d:\d\d)$/.test(latestSimChange as string)) {
        throw unavailable('/retrieve-date answered without an RFC 3339 "latestSimChange"');
      }
      return at;
    },
  };
}

/** Where an operator call is made, for the `binding.oracle_failed` event. */
export interface OracleCallSite {
  events: SecurityEventRecorder;
  terminalId: string;
  source: string;
  /** Whether an unavailable operator lets the request through. */
  failOpen: boolean;
  /** The event's leading detail (its `phase`, a binding id). */
  detail: Record<string, unknown>;
}

/**
 * Runs an operator call. When the operator is unavailable (`binding.oracle_unavailable`) it
 * records `binding.oracle_failed`, then resolves with undefined when failing open and rethrows
 * when failing closed; any other error passes through.
 * @example const swapped = await callOracle(() => oracle.check(msisdn, 240), site)
 */
export async function callOracle<T>(call: () => Promise<T>, site: OracleCallSite): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (!isTesseraError(err, 'binding.oracle_unavailable')) throw err;
    await site.events.record('binding.oracle_failed', site.terminalId, site.source, { ...site.detail, failOpen: site.failOpen, error: err.message });
    if (site.failOpen) return undefined;
    throw err;
  }
}
