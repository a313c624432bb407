// The SDK side of SIM binding: register the number the user typed, confirm the code the
// SMS brought, and send sensitive requests that carry the SIM and secure-element facts as
// signed header fields (read fresh from the SubscriberInfo adapter for every request).
import { factsToHeaders, looksLikeE164, type SubscriberFacts } from '../../protocol/binding/simIdentifiers.ts';
import { TesseraError } from '../../protocol/errors.ts';
import type { SignedResponse, TerminalClient } from '../terminalClient.ts';
import type { SubscriberInfo } from './subscriberInfo.ts';

/** A binding as the server shows it. */
export interface Binding {
  id: string;
  terminalId: string;
  appId: string;
  status: 'pending' | 'active' | 'suspended' | 'ended';
  reason: string | null;
  msisdnLast4: string;
  verifiedAt: string | null;
  cooldownUntil: string | null;
  expiresAt: string | null;
  [more: string]: unknown;
}

/** The answer to a registration: the pending binding and what the code looks like. */
export interface PendingBinding {
  binding: Binding;
  codeLength: number;
  codeExpiresAt: string;
}

/** Options of a BindingClient. */
export interface BindingClientOptions {
  /** A logged-in (or log-in-able) terminal client: every call here is a signed request. */
  client: TerminalClient;
  subscriber: SubscriberInfo;
  /**
   * The bound number, for sensitive calls when the SIM does not report its own number
   * (most do not). Set by `register`; pass it when the app stored it from an earlier run.
   */
  msisdn?: string;
}

/**
 * SIM binding for a terminal.
 * @example
 * const binding = new BindingClient({ client, subscriber: new SimulatedSubscriberInfo(facts) });
 * await binding.register({ msisdn: '+447400123456' });
 * await binding.confirm(codeFromSms);
 * await binding.sensitive('POST', '/v1/secure/echo', { body: { amount: 10 } });
 */
export class BindingClient {
  readonly #client: TerminalClient;
  readonly #subscriber: SubscriberInfo;
  #msisdn: string | undefined;
  #pendingId: string | undefined;

  constructor(options: BindingClientOptions) {
    this.#client = options.client;
    this.#subscriber = options.subscriber;
    this.#msisdn = options.msisdn;
  }

  /** The number used for sensitive calls when the SIM does not report one. */
  get msisdn(): string | undefined {
    return this.#msisdn;
  }

  /** Reads the facts and returns them as the header fields a sensitive request signs. */
  async factsHeaders(): Promise<Record<string, string>> {
    const facts: SubscriberFacts = await this.#subscriber.read();
    const msisdn = facts.msisdn ?? this.#msisdn;
    if (msisdn === undefined) throw new TesseraError('binding.facts_missing', 'the phone number is unknown: the SIM reports none and no binding was registered here');
    return factsToHeaders({ ...facts, msisdn });
  }

  /** Starts a binding: the server sends a one-time code to `msisdn` (E.164, e.g. `+447400123456`). */
  async register(input: { msisdn: string; appId?: string }): Promise<PendingBinding> {
    const msisdn = input.msisdn.replace(/[\s().-]/g, '');
    if (!looksLikeE164(msisdn)) throw new TesseraError('input.invalid_msisdn', 'the number must be + country code and digits', { field: 'msisdn' });
    const facts = await this.#subscriber.read();
    const body: Record<string, string> = { msisdn };
    if (input.appId !== undefined) body['appId'] = input.appId;
    const { body: out } = await this.#client.request<PendingBinding>('POST', '/v1/bindings', { body, extraHeaders: factsToHeaders(facts) });
    if (typeof (out as { binding?: { id?: unknown } } | null)?.binding?.id !== 'string') {
      throw new TesseraError('client.bad_response', 'the registration answer holds no binding id');
    }
    this.#pendingId = out.binding.id;
    this.#msisdn = msisdn;
    return out;
  }

  /** Confirms the code of the last registration (or of `bindingId`); resolves with the active binding. */
  async confirm(code: string, bindingId = this.#pendingId): Promise<Binding> {
    if (bindingId === undefined) throw new TesseraError('binding.not_found', 'no registration to confirm: call register first');
    const { body } = await this.#client.request<Binding>('POST', `/v1/bindings/${encodeURIComponent(bindingId)}/confirm`, { body: { code: code.trim() } });
    this.#pendingId = undefined;
    return body;
  }

  /** The terminal's current (active or suspended) binding. */
  async current(): Promise<Binding> {
    return (await this.#client.request<Binding>('GET', '/v1/bindings/current')).body;
  }

  /** Ends the terminal's current binding. */
  async release(): Promise<Binding> {
    return (await this.#client.request<Binding>('POST', '/v1/bindings/current/release')).body;
  }

  /** A signed request carrying the current SIM and secure-element facts (for `sensitive` routes). */
  async sensitive<T = unknown>(method: string, path: string, options: { body?: unknown; extraHeaders?: Record<string, string> } = {}): Promise<SignedResponse<T>> {
    const facts = await this.factsHeaders();
    return this.#client.request<T>(method, path, { ...options, extraHeaders: { ...options.extraHeaders, ...facts } });
  }
}
