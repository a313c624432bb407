// Update versions: MAJOR.MINOR.PATCH, each part a decimal integer without leading zeros, so a
// version has exactly one spelling and "1.10.0" > "1.9.0" (numeric, never string order).
import { TesseraError } from '../errors.ts';

/** The version syntax (docs/protocol.md, "Signed updates"): at most 9 digits a part, no leading zeros. */
export const UPDATE_VERSION_PATTERN = '^(?:0|[1-9][0-9]{0,8})\\.(?:0|[1-9][0-9]{0,8})\\.(?:0|[1-9][0-9]{0,8})$';
const VERSION = new RegExp(UPDATE_VERSION_PATTERN);

/** A parsed version: [major, minor, patch]. */
export type VersionTriple = readonly [number, number, number];

/** True when `text` is a canonical MAJOR.MINOR.PATCH version. */
export function isUpdateVersion(text: unknown): text is string {
  return typeof text === 'string' && VERSION.test(text);
}

/**
 * Parses a version; throws `input.invalid` (naming `field`) for anything else.
 * @example parseUpdateVersion('1.10.0') // [1, 10, 0]
 */
export function parseUpdateVersion(text: string, field = 'version'): VersionTriple {
  if (!isUpdateVersion(text)) throw new TesseraError('input.invalid', `${field} must be MAJOR.MINOR.PATCH (decimal, no leading zeros)`, { field });
  const [a, b, c] = text.split('.').map(Number) as [number, number, number];
  return [a, b, c];
}

/**
 * Compares two versions numerically: negative when a < b, 0 when equal, positive when a > b.
 * @example compareUpdateVersions('1.9.0', '1.10.0') < 0
 */
export function compareUpdateVersions(a: string, b: string): number {
  const x = parseUpdateVersion(a, 'a');
  const y = parseUpdateVersion(b, 'b');
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}
