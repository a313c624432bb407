// The check every admin input naming suites goes through (a terminal's handshake suites, a
// lot's handshake and AEAD suites): each must be known, and none may repeat, because a
// terminal offers its list in hello and the server refuses a hello that repeats a suite.
import { TesseraError } from '../../protocol/errors.ts';

/** Throws `input.invalid` naming `field` when a suite is unknown or listed twice. */
export function checkSuiteList(names: readonly string[], field: string, known: (suite: string) => boolean): void {
  const unknown = names.filter((s) => !known(s));
  if (unknown.length > 0) throw new TesseraError('input.invalid', `unknown ${field}: ${unknown.join(', ')}`, { field });
  if (new Set(names).size !== names.length) throw new TesseraError('input.invalid', `${field} lists a suite twice`, { field });
}
