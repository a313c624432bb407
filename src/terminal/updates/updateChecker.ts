// The terminal's update check (docs/protocol.md, "Signed updates"): ask the server for the
// newest update, verify the manifest with the update key from the OTP image, download the
// file and accept it only when its size and SHA-256 match. Needs no session, so a restricted
// terminal runs it too; trusts nothing the server says until the signature verifies.
import { TesseraError } from '../../protocol/errors.ts';
import type { Primitives } from '../../protocol/primitives.ts';
import { checkUpdateFile } from '../../protocol/updates/checkUpdateFile.ts';
import type { UpdateManifest } from '../../protocol/updates/updateManifest.ts';
import { type UpdateRefusal, verifyUpdateManifest } from '../../protocol/updates/verifyUpdateManifest.ts';
import { checkTimeoutMs, Deadline } from '../deadline.ts';
import { type FetchLike, fetchAnswer, raiseForProblem, readJsonAnswer, sendJson } from '../httpTransport.ts';
import { readBody } from '../readBody.ts';

/** Options of an UpdateChecker; a RestrictedTerminal's `updateSource` fits as is. */
export interface UpdateCheckerOptions {
  /** Server base URL. */
  url: string;
  /** Ed25519 update public key (32 bytes) from the OTP image. */
  updatePublicKey: Uint8Array;
  /** This terminal's lot (from the OTP image); undefined accepts only updates for every lot. */
  lotId?: string | undefined;
  primitives: Primitives;
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /**
   * How long the server may take (default 30 000 ms; Infinity for no limit): to answer a check
   * whole, and, in a download, to send its headers and then each next part of the file. A
   * server that takes longer ends the call in `client.timeout`.
   */
  timeoutMs?: number | undefined;
}

/** Outcome of {@link UpdateChecker.check}. */
export type UpdateCheck =
  | { status: 'up_to_date' }
  | { status: 'available'; manifest: UpdateManifest }
  | { status: 'refused'; reason: UpdateRefusal; detail: string };

/** Outcome of {@link UpdateChecker.download}. */
export type UpdateDownload =
  | { ok: true; manifest: UpdateManifest; bytes: Uint8Array }
  | { ok: false; reason: 'size_mismatch' | 'hash_mismatch'; detail: string };

/**
 * Checks for, verifies and downloads signed updates.
 * @example
 * const updates = new UpdateChecker({ url, updatePublicKey: image.updatePublicKey, lotId: image.lotId, primitives: nodePrimitives });
 * const found = await updates.check('1.2.0');
 * if (found.status === 'available') {
 *   const file = await updates.download(found.manifest);
 *   if (file.ok) install(file.bytes);
 * }
 */
export class UpdateChecker {
  readonly #url: string;
  readonly #key: Uint8Array;
  readonly #lotId: string | undefined;
  readonly #p: Primitives;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;

  constructor(options: UpdateCheckerOptions) {
    if (options.updatePublicKey.length !== 32) throw new TesseraError('input.invalid', 'the update public key must be 32 bytes', { field: 'updatePublicKey' });
    this.#url = options.url.replace(/\/+$/, '');
    this.#key = options.updatePublicKey.slice();
    this.#lotId = options.lotId;
    this.#p = options.primitives;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init as RequestInit));
    this.#timeoutMs = checkTimeoutMs(options.timeoutMs);
  }

  /** Asks for the newest update for `currentVersion` and verifies it; never trusts an unverified manifest. */
  async check(currentVersion: string): Promise<UpdateCheck> {
    const q = new URLSearchParams({ current: currentVersion });
    if (this.#lotId !== undefined) q.set('lot', this.#lotId);
    const answer = await sendJson(this.#fetch, `${this.#url}/v1/updates/latest?${q}`, 'GET', { accept: 'application/json' }, undefined, { timeoutMs: this.#timeoutMs });
    raiseForProblem(answer);
    const update = (answer.body as { update?: unknown } | undefined)?.update;
    if (update === null) return { status: 'up_to_date' };
    const verdict = verifyUpdateManifest(this.#p, this.#key, update, { currentVersion, lotId: this.#lotId });
    return verdict.ok ? { status: 'available', manifest: verdict.manifest } : { status: 'refused', reason: verdict.reason, detail: verdict.detail };
  }

  /**
   * Downloads the file of a verified manifest and checks it. Reads at most `size + 1` bytes,
   * so a server sending more cannot fill the terminal's memory (nor can its error answer:
   * at most 1 MiB of it is read). A connection that breaks midway is `client.network`. A
   * redirect is followed (to a mirror, say): the request carries nothing of the terminal, and
   * the file is checked against the signed manifest wherever it comes from. The timeout restarts with every
   * part of the file received, so a large file on a slow link still arrives.
   */
  async download(manifest: UpdateManifest, onProgress?: (received: number, total: number) => void): Promise<UpdateDownload> {
    const url = `${this.#url}/v1/updates/${encodeURIComponent(manifest.version)}/file`;
    const deadline = new Deadline(this.#timeoutMs, new URL(url).origin);
    try {
      return await this.#download(url, manifest, deadline, onProgress);
    } catch (err) {
      throw deadline.expired ? deadline.error() : err;
    } finally {
      deadline.clear();
    }
  }

  async #download(url: string, manifest: UpdateManifest, deadline: Deadline, onProgress?: (received: number, total: number) => void): Promise<UpdateDownload> {
    const res = await fetchAnswer(this.#fetch, url, { method: 'GET', headers: { accept: 'application/octet-stream' }, redirect: 'follow' }, deadline);
    if (res.status !== 200) {
      raiseForProblem(await readJsonAnswer(res, url, deadline));
      throw new TesseraError('client.bad_response', `the server answered ${res.status} to the file download`);
    }
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (declared > manifest.size) {
      void res.body?.cancel().catch(() => {});
      return { ok: false, reason: 'size_mismatch', detail: `the server offers ${declared} bytes; the manifest says ${manifest.size}` };
    }
    const { bytes, over } = await readBody(res, manifest.size, { url, deadline, perPart: true, onProgress: (n) => onProgress?.(n, manifest.size) });
    if (over) return { ok: false, reason: 'size_mismatch', detail: `the server sent more than the manifest's ${manifest.size} bytes` };
    const verdict = checkUpdateFile(this.#p, manifest, bytes);
    return verdict.ok ? { ok: true, manifest, bytes } : verdict;
  }
}
