// A terminal that booted restricted (its OTP image does not unseal on this hardware). It
// holds no key, so it cannot log in; what it keeps is what checking signed updates needs:
// the server URL, the lot and terminal ids, and the update public key from the image. Every
// other call is refused locally with `terminal.restricted`, so application code written
// against TerminalClient fails loudly instead of silently.
import { TesseraError } from '../protocol/errors.ts';
import type { Primitives } from '../protocol/primitives.ts';
import type { RestrictedBoot, RestrictedReason } from './bootTerminal.ts';
import { checkTimeoutMs } from './deadline.ts';
import type { FetchLike } from './httpTransport.ts';

/** What an update check needs: where to ask, whom it is for, and the key that must have signed. */
export interface UpdateSource {
  /** Server base URL, without a trailing slash. */
  url: string;
  serverId: string;
  terminalId: string;
  lotId: string;
  /** Ed25519 public key (32 bytes) from the OTP image. */
  updatePublicKey: Uint8Array;
  fetch: FetchLike;
  primitives: Primitives;
  /** How long a request may take (see UpdateCheckerOptions.timeoutMs). */
  timeoutMs: number;
}

const defaultFetch: FetchLike = (url, init) => fetch(url, init as RequestInit);

/** Options of a RestrictedTerminal. */
export interface RestrictedTerminalOptions {
  primitives: Primitives;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Server URL, overriding the image's. */
  url?: string;
  /** How long an update request may take (default 30 000 ms; see UpdateCheckerOptions.timeoutMs). */
  timeoutMs?: number;
}

/**
 * The update-only terminal a restricted boot yields.
 * @example
 * const t = await TerminalClient.boot({ otpStore, hardware, primitives: nodePrimitives });
 * if (t.mode === 'restricted') console.log(`restricted (${t.reason}); checking updates at ${t.updateSource.url}`);
 */
export class RestrictedTerminal {
  /** Discriminates from TerminalClient (`mode: 'full'`). */
  readonly mode = 'restricted' as const;
  readonly boot: Readonly<RestrictedBoot>;
  readonly #source: UpdateSource;

  constructor(boot: RestrictedBoot, options: RestrictedTerminalOptions) {
    this.boot = Object.freeze({ ...boot, updatePublicKey: boot.updatePublicKey.slice(), policy: { ...boot.policy } });
    this.#source = Object.freeze({
      url: (options.url ?? boot.url).replace(/\/+$/, ''),
      serverId: boot.serverId,
      terminalId: boot.terminalId,
      lotId: boot.lotId,
      updatePublicKey: boot.updatePublicKey.slice(),
      fetch: options.fetch ?? defaultFetch,
      primitives: options.primitives,
      timeoutMs: checkTimeoutMs(options.timeoutMs),
    });
  }

  get reason(): RestrictedReason {
    return this.boot.reason;
  }

  get terminalId(): string {
    return this.boot.terminalId;
  }

  /** Everything an update check needs; the only service a restricted terminal has. */
  get updateSource(): UpdateSource {
    return { ...this.#source, updatePublicKey: this.#source.updatePublicKey.slice() };
  }

  /** A restricted terminal never has a session. */
  get session(): undefined {
    return undefined;
  }

  #refuse(what: string): TesseraError {
    return new TesseraError('terminal.restricted', `${what} is not available: terminal ${this.boot.terminalId} is in restricted mode (${this.boot.reason}); only software updates are allowed`);
  }

  /** Refused: a restricted terminal cannot unseal its key, so it cannot authenticate. */
  async login(): Promise<never> {
    throw this.#refuse('login');
  }

  /** Refused: signed requests need a session. */
  async request(method: string, path: string): Promise<never> {
    throw this.#refuse(`${method} ${path}`);
  }

  /** Refused: activation needs an authenticated session. */
  async activate(_code?: string): Promise<never> {
    throw this.#refuse('activation');
  }
}
