// The SDK side of activation: check the code as typed (a mistyped character is caught here,
// before anything is sent), spend it with POST /v1/activate, then log in again so the new
// session carries the capabilities of an active terminal.
import { parseActivationCode } from '../protocol/activation/activationCode.ts';
import { isTesseraError, TesseraError } from '../protocol/errors.ts';
import type { TerminalClient, TerminalSession } from './terminalClient.ts';

/** Options of {@link activateTerminal}. */
export interface ActivationOptions {
  /**
   * Where the SIM and secure-element facts come from (a `BindingClient`): the server requires
   * them on activation unless TESSERA_ACTIVATION_REQUIRES_BINDING is false.
   */
  facts?: { factsHeaders(): Promise<Record<string, string>> };
}

/** The outcome of an activation. */
export interface Activation {
  terminalId: string;
  status: 'active';
  /** The product the code was sold for. */
  product: string;
  activatedAt: string;
  /** The session opened after activation, with the active state's capabilities. */
  session: TerminalSession;
}

function isActivationReply(v: unknown): v is Omit<Activation, 'session'> {
  const o = v as Record<string, unknown> | null;
  return typeof o === 'object' && o !== null && o['status'] === 'active' && typeof o['terminalId'] === 'string' && typeof o['product'] === 'string' && typeof o['activatedAt'] === 'string';
}

/** Turns "the session lacks activate" into what it means, from a fresh session's capabilities. */
async function whyNotProvisioned(client: TerminalClient, original: TesseraError): Promise<TesseraError> {
  const { capabilities } = await client.login();
  if (capabilities.includes('activate')) return original;
  const why = capabilities.includes('session')
    ? 'this terminal is already active; no code is needed'
    : 'this terminal is restricted (its hardware evidence did not match, or an operator restricted it): it may only fetch updates';
  return new TesseraError('terminal.wrong_state', why, { status: 409, cause: original });
}

/**
 * Activates the terminal with a purchased code. Throws `activation.code_malformed` or
 * `activation.code_mistyped` without calling the server, and the server's refusal otherwise
 * (`activation.code_invalid`, `…_used`, `…_revoked`, `…_expired`, `rate.limited` with
 * `retryAfterSeconds`), or `terminal.wrong_state` saying whether the terminal is already
 * active or restricted (the server's `auth.capability_missing`).
 * @example const { product } = await activateTerminal(client, '7Q2M-K9XD-0PAV-3RTE-X', { facts: bindingClient });
 */
export async function activateTerminal(client: TerminalClient, code: string, options: ActivationOptions = {}): Promise<Activation> {
  const parsed = parseActivationCode(code);
  const extraHeaders = options.facts ? await options.facts.factsHeaders() : undefined;
  let body: unknown;
  try {
    ({ body } = await client.request('POST', '/v1/activate', { body: { code: parsed.text }, ...(extraHeaders ? { extraHeaders } : {}) }));
  } catch (err) {
    throw isTesseraError(err, 'auth.capability_missing') ? await whyNotProvisioned(client, err) : err;
  }
  if (!isActivationReply(body)) throw new TesseraError('client.bad_response', 'the activation reply is not what the protocol says');
  const session = await client.login();
  return { terminalId: body.terminalId, status: body.status, product: body.product, activatedAt: body.activatedAt, session };
}
