// SIM and secure-element identifiers shared by the terminal SDK and the server: the signed
// header names that carry them, and the pure checks of their formats (ICCID with its Luhn
// check digit per ITU-T E.118, IMSI per 3GPP TS 23.003 §2.2, a secure-element serial).
// The phone number (E.164) is checked on the server with a phone-number library.
import { TesseraError } from '../errors.ts';

/** The facts a terminal reports about its SIM and secure element. */
export interface SubscriberFacts {
  /** Integrated Circuit Card Identifier: 18–20 digits ending in a Luhn check digit. */
  iccid: string;
  /** International Mobile Subscriber Identity: 14–15 digits (MCC ‖ MNC ‖ MSIN). */
  imsi: string;
  /** The SIM's own number in E.164 (`+` and digits), when the terminal knows it. */
  msisdn?: string;
  /** Serial of the secure element (eSE CPLC serial, eUICC EID, …). */
  seSerial: string;
}

/** Request header fields that carry the facts; a sensitive request's signature covers all four. */
export const BINDING_HEADERS = Object.freeze({
  iccid: 'tessera-sim-iccid',
  imsi: 'tessera-sim-imsi',
  msisdn: 'tessera-sim-msisdn',
  seSerial: 'tessera-se-serial',
} as const);

/** The header names in the order the SDK signs them. */
export const BINDING_HEADER_NAMES: readonly string[] = Object.freeze(Object.values(BINDING_HEADERS));

/**
 * Luhn (ISO/IEC 7812-1 Annex B) over a string of digits, check digit last.
 * @example luhnValid('8944110068256270054') // true
 */
export function luhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Normalizes and checks an ICCID: digits only (spaces and a trailing filler `F` as some
 * modems print it are dropped), 18–20 long, starting with the telecom industry id 89
 * (ITU-T E.118), with a valid Luhn check digit. Throws `input.invalid_iccid`.
 */
export function normalizeIccid(raw: string, field = 'iccid'): string {
  const v = raw.replace(/[\s-]/g, '').replace(/[fF]$/, '');
  if (!/^89\d{16,18}$/.test(v)) throw new TesseraError('input.invalid_iccid', 'the ICCID must be 18–20 digits starting with 89', { field });
  if (!luhnValid(v)) throw new TesseraError('input.invalid_iccid', 'the ICCID check digit is wrong', { field });
  return v;
}

/**
 * True for a plausible mobile country code (ITU-T E.212): geographic zones 2–7, the test
 * network 001 and the international codes 901/902.
 */
export function plausibleMcc(mcc: string): boolean {
  return /^[2-7]\d\d$/.test(mcc) || mcc === '001' || mcc === '901' || mcc === '902';
}

/**
 * Normalizes and checks an IMSI (3GPP TS 23.003 §2.2): 14–15 digits, a plausible MCC, and
 * room for a 2- or 3-digit MNC and an MSIN of at least 9 digits. Throws `input.invalid_imsi`.
 */
export function normalizeImsi(raw: string, field = 'imsi'): string {
  const v = raw.replace(/\s/g, '');
  if (!/^\d{14,15}$/.test(v)) throw new TesseraError('input.invalid_imsi', 'the IMSI must be 14–15 digits', { field });
  if (!plausibleMcc(v.slice(0, 3))) throw new TesseraError('input.invalid_imsi', 'the IMSI does not start with a valid mobile country code', { field });
  return v;
}

/**
 * Normalizes and checks a secure-element serial: 8–64 characters of A–Z and 0–9 once
 * separators (space, `-`, `:`) are dropped, compared upper-case. Throws `input.invalid_se_serial`.
 */
export function normalizeSeSerial(raw: string, field = 'seSerial'): string {
  const v = raw.replace(/[\s:-]/g, '').toUpperCase();
  if (!/^[0-9A-Z]{8,64}$/.test(v)) throw new TesseraError('input.invalid_se_serial', 'the secure-element serial must be 8–64 letters or digits', { field });
  return v;
}

/**
 * A quick E.164 shape check (`+`, 8–15 digits, no leading 0) for places without the
 * phone-number library; the server validates numbers fully.
 */
export function looksLikeE164(raw: string): boolean {
  return /^\+[1-9]\d{7,14}$/.test(raw);
}

/** The last four digits of a number, the only part of it kept for display. */
export function last4(e164: string): string {
  return e164.replace(/\D/g, '').slice(-4);
}

/** The facts as request headers (what {@link BINDING_HEADERS} names); msisdn only when known. */
export function factsToHeaders(facts: SubscriberFacts): Record<string, string> {
  const out: Record<string, string> = {
    [BINDING_HEADERS.iccid]: facts.iccid,
    [BINDING_HEADERS.imsi]: facts.imsi,
    [BINDING_HEADERS.seSerial]: facts.seSerial,
  };
  if (facts.msisdn !== undefined) out[BINDING_HEADERS.msisdn] = facts.msisdn;
  return out;
}
