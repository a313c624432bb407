// The terminal SDK's client: runs the mutual handshake (the server proves itself first),
// keeps the session, signs every request per RFC 9421 with the session key and renews the
// session transparently. Uses only fetch and the injected primitives, no Node-only API.
import { toBase64Url, utf8 } from '../protocol/bytes.ts';
import type { TerminalCredential } from '../protocol/credential.ts';
import { isTesseraError } from '../protocol/errors.ts';
import { checkServerConfirm } from '../protocol/handshake/finishConfirmation.ts';
import { parseFinishResponse, parseHelloResponse } from '../protocol/handshake/messages.ts';
import { answerChallenge, beginHandshake, identityFromCredential, type TerminalIdentity } from '../protocol/handshake/terminalHandshake.ts';
import { signRequest } from '../protocol/httpsig/signRequest.ts';
import { deriveRequestKey } from '../protocol/keys.ts';
import type { Primitives } from '../protocol/primitives.ts';
import { type Activation, type ActivationOptions, activateTerminal } from './activation.ts';
import { type BootOptions, bootTerminal, type FullBoot } from './bootTerminal.ts';
import { checkTimeoutMs } from './deadline.ts';
import { type FetchLike, type HttpAnswer, raiseForProblem, sendJson } from './httpTransport.ts';
import { RestrictedTerminal } from './restrictedTerminal.ts';

/** A live session as the terminal sees it. */
export interface TerminalSession {
  sessionId: string;
  expiresAt: Date;
  capabilities: string[];
  suite: string;
}

/** Options of a TerminalClient. */
export interface TerminalClientOptions {
  credential: TerminalCredential;
  primitives: Primitives;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Server URL, overriding the credential's. */
  url?: string;
  /** Renew this long before the session expires (default 5 s). */
  renewBeforeMs?: number;
  /**
   * How long one request may take, its answer read whole (default 30 000 ms; Infinity for no
   * limit). A server that takes longer ends the request in `client.timeout`.
   */
  timeoutMs?: number;
  /** Fingerprint hash of this hardware (from boot): sent as evidence in every hello. */
  hardwareHash?: Uint8Array;
  /** Ed25519 key that signs update manifests (from the OTP image), kept for update checks. */
  updatePublicKey?: Uint8Array;
}

/** Options of {@link TerminalClient.boot}: the boot adapters plus the client options boot does not supply. */
export type TerminalBootOptions = BootOptions & Omit<TerminalClientOptions, 'credential' | 'hardwareHash' | 'updatePublicKey'>;

/** The answer to a signed request. */
export interface SignedResponse<T = unknown> {
  status: number;
  body: T;
}

/**
 * A terminal talking to a Tessera server.
 * @example
 * const client = new TerminalClient({ credential, primitives: nodePrimitives });
 * await client.login();
 * const { body } = await client.request('GET', '/v1/session');
 */
export class TerminalClient {
  readonly #identity: TerminalIdentity;
  readonly #credential: TerminalCredential;
  readonly #p: Primitives;
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  readonly #base: string;
  readonly #renewBeforeMs: number;
  readonly #limits: { timeoutMs: number };
  #session: (TerminalSession & { requestKey: Uint8Array }) | undefined;
  #pending: Promise<TerminalSession> | undefined;
  /** Discriminates from RestrictedTerminal: this client holds its key. */
  readonly mode = 'full' as const;
  /** The update-signing public key, when the client was made from a boot. */
  readonly updatePublicKey: Uint8Array | undefined;

  /**
   * Boots a factory-made terminal (OTP image + hardware fingerprint, see bootTerminal) and
   * returns a client that sends hardware evidence in every hello, or, when the image does not
   * unseal here, a RestrictedTerminal that offers update checks only. Throws `otp.missing` /
   * `otp.image_corrupt` for a missing or damaged image.
   * @example
   * const t = await TerminalClient.boot({ otpStore, hardware, primitives: nodePrimitives });
   * if (t.mode === 'full') await t.login();
   */
  static async boot(options: TerminalBootOptions): Promise<TerminalClient | RestrictedTerminal> {
    const { otpStore: _o, hardware: _h, ...clientOptions } = options;
    const result = await bootTerminal(options);
    return result.mode === 'full' ? TerminalClient.fromBoot(result, clientOptions) : new RestrictedTerminal(result, clientOptions);
  }

  /** A client for a full boot: its credential, and its hardware hash as evidence in every hello. */
  static fromBoot(boot: FullBoot, options: Omit<TerminalClientOptions, 'credential' | 'hardwareHash' | 'updatePublicKey'>): TerminalClient {
    return new TerminalClient({ ...options, credential: boot.credential, hardwareHash: boot.hardwareHash, updatePublicKey: boot.updatePublicKey });
  }

  constructor(options: TerminalClientOptions) {
    const c = options.credential;
    this.#credential = c;
    this.#identity = identityFromCredential(c, options.hardwareHash);
    this.#p = options.primitives;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init as RequestInit));
    this.#now = options.now ?? Date.now;
    this.#base = (options.url ?? c.url).replace(/\/+$/, '');
    this.#renewBeforeMs = options.renewBeforeMs ?? 5000;
    this.#limits = { timeoutMs: checkTimeoutMs(options.timeoutMs) };
    this.updatePublicKey = options.updatePublicKey?.slice();
  }

  /** The current session, if any. */
  get session(): TerminalSession | undefined {
    if (!this.#session) return undefined;
    const { requestKey: _k, ...rest } = this.#session;
    return rest;
  }

  /**
   * Runs the handshake. Throws `auth.server_not_genuine` when the server cannot prove itself
   * (the terminal sends nothing further) or does not confirm its finish answer (the session
   * is not used), `auth.refused` when the server refuses the terminal.
   */
  async login(): Promise<TerminalSession> {
    this.#pending ??= this.#handshake().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /**
   * Spends a purchased activation code (`XXXX-XXXX-XXXX-XXXX-C`), then logs in again so the
   * session has the active state's capabilities; see activateTerminal in activation.ts.
   * @example await client.activate('7Q2M-K9XD-0PAV-3RTE-X', { facts: bindingClient })
   */
  activate(code: string, options?: ActivationOptions): Promise<Activation> {
    return activateTerminal(this, code, options);
  }

  async #handshake(): Promise<TerminalSession> {
    const { hello, pending } = beginHandshake(this.#p, this.#identity, this.#credential.suites);
    const challenge = parseHelloResponse((await this.#post('/v1/auth/hello', hello)).body);
    const { finish, sessionKey, confirmKey } = answerChallenge(this.#p, pending, challenge);
    const finishAnswer = await this.#post('/v1/auth/finish', finish);
    // The session id, expiry and capabilities count only under the server's confirmation.
    const done = checkServerConfirm(this.#p, confirmKey, parseFinishResponse(finishAnswer.body));
    this.#session = {
      sessionId: done.sessionId,
      expiresAt: new Date(done.expiresAt),
      capabilities: done.capabilities,
      suite: challenge.suite,
      requestKey: deriveRequestKey(this.#p, sessionKey),
    };
    return this.session!;
  }

  async #post(path: string, body: unknown): Promise<HttpAnswer> {
    const answer = await sendJson(this.#fetch, this.#base + path, 'POST', { 'content-type': 'application/json' }, utf8(JSON.stringify(body)), this.#limits);
    raiseForProblem(answer, this.#now);
    return answer;
  }

  async #ensureSession(): Promise<TerminalSession & { requestKey: Uint8Array }> {
    if (!this.#session || this.#session.expiresAt.getTime() - this.#renewBeforeMs <= this.#now()) await this.login();
    return this.#session!;
  }

  /**
   * Sends a request signed with the session key (RFC 9421, hmac-sha256), logging in or
   * renewing first when needed, and once more if the server says the session is gone.
   * `extraHeaders` are covered by the signature too.
   */
  async request<T = unknown>(method: string, path: string, options: { body?: unknown; extraHeaders?: Record<string, string> } = {}): Promise<SignedResponse<T>> {
    try {
      return await this.#signedOnce<T>(method, path, options);
    } catch (err) {
      if (!isTesseraError(err, 'auth.session_invalid')) throw err;
      this.#session = undefined;
      return this.#signedOnce<T>(method, path, options);
    }
  }

  async #signedOnce<T>(method: string, path: string, options: { body?: unknown; extraHeaders?: Record<string, string> }): Promise<SignedResponse<T>> {
    const session = await this.#ensureSession();
    const url = this.#base + path;
    const body = options.body === undefined ? undefined : utf8(JSON.stringify(options.body));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.extraHeaders ?? {})) headers[name.toLowerCase()] = value;
    const extra = Object.keys(headers);
    if (body) headers['content-type'] = 'application/json';
    const signed = signRequest(
      this.#p,
      { method, targetUri: url, headers, body: body ?? new Uint8Array(0) },
      {
        keyid: session.sessionId,
        key: session.requestKey,
        created: Math.floor(this.#now() / 1000),
        nonce: toBase64Url(this.#p.randomBytes(16)),
        components: ['@method', '@target-uri', 'content-digest', ...extra],
        tag: 'tessera/1/request',
        alg: 'hmac-sha256',
      },
    );
    const answer = await sendJson(this.#fetch, url, method, { ...headers, ...signed }, body, this.#limits);
    raiseForProblem(answer, this.#now);
    return { status: answer.status, body: answer.body as T };
  }
}
