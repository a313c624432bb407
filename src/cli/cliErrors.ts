// Exit codes scripts rely on: 0 success, 1 refused or failed check, 2 usage or input error.
import { isTesseraError } from '../protocol/errors.ts';

/** Exit code for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (!isTesseraError(err)) return 1;
  const c = err.code;
  if (c.startsWith('input.') || c.startsWith('ocra.') || c === 'credential.invalid' || c === 'config.invalid') return 2;
  if (c === 'activation.code_malformed' || c === 'activation.code_mistyped') return 2; // a typing error
  return 1;
}

/** The one-line message printed on stderr for an error (never a stack, never a secret). */
export function describeError(err: unknown): string {
  if (isTesseraError(err)) return `tessera: ${err.code}: ${err.message}`;
  return `tessera: ${(err as Error)?.message ?? String(err)}`;
}
