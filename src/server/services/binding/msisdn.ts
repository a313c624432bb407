// Phone numbers: parsed and validated with libphonenumber-js (Google's metadata, full
// "max" set) and kept in E.164. Only numbers that can receive an SMS are accepted.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { TesseraError } from '../../../protocol/errors.ts';

const SMS_CAPABLE = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/**
 * Returns the number in E.164 (`+447400123456`), or throws `input.invalid_msisdn` naming
 * `field`. The number must be international (`+` country code); spaces, dots, dashes and
 * brackets are tolerated.
 * @example normalizeMsisdn('+44 7400 123456') // '+447400123456'
 */
export function normalizeMsisdn(raw: string, field = 'msisdn'): string {
  const text = raw.trim();
  if (!/^\+[0-9 ().-]{6,30}$/.test(text)) {
    throw new TesseraError('input.invalid_msisdn', 'the phone number must be in international form: + country code and number', { field });
  }
  const parsed = parsePhoneNumberFromString(text);
  if (!parsed?.isValid()) throw new TesseraError('input.invalid_msisdn', 'the phone number is not a valid number', { field });
  const type = parsed.getType();
  if (type !== undefined && !SMS_CAPABLE.has(type)) {
    throw new TesseraError('input.invalid_msisdn', 'the phone number is not a mobile number', { field });
  }
  return parsed.number;
}
