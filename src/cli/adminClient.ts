// How admin commands reach the server: --url/--admin-token, else TESSERA_URL and
// TESSERA_ADMIN_TOKEN, else the local data dir's admin.token and http://127.0.0.1:8080.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { utf8 } from '../protocol/bytes.ts';
import { TesseraError } from '../protocol/errors.ts';
import { type RequestLimits, raiseForProblem, sendJson } from '../terminal/httpTransport.ts';
import { warn } from './output.ts';

/** Connection options shared by admin commands. */
export interface AdminOptions {
  url?: string;
  adminToken?: string;
}

/** Adds `--url` and `--admin-token` to an admin command. */
export function adminOptions(cmd: Command): Command {
  return cmd.option('--url <url>', 'server URL (default TESSERA_URL or http://127.0.0.1:8080)').option('--admin-token <token>', 'admin token (default TESSERA_ADMIN_TOKEN or the data dir\'s admin.token)');
}

/** Calls the admin API with the resolved URL and token. */
export interface AdminClient {
  call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
  /** POSTs raw bytes with the given content type (e.g. an update file) and parses the JSON answer. */
  upload<T>(path: string, bytes: Uint8Array, contentType: string): Promise<T>;
  url: string;
}

/**
 * The server URL from --url, else TESSERA_URL, else `fallback` (a credential's or image's
 * URL, or the local default), as its origin; throws `input.invalid` naming its source when it
 * does not parse, is not http(s), or holds more than an origin (user info, a path other than
 * `/`, a query or a fragment), without repeating it.
 */
export function serverUrl(opts: { url?: string | undefined }, env: NodeJS.ProcessEnv, fallback: [url: string, source: string] = ['http://127.0.0.1:8080', 'the default URL']): string {
  const [raw, source] = opts.url !== undefined ? [opts.url, '--url'] : env['TESSERA_URL'] !== undefined ? [env['TESSERA_URL'], 'TESSERA_URL'] : fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new TesseraError('input.invalid', `${source} is not a valid URL; give the server's http:// or https:// URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TesseraError('input.invalid', `${source} must be an http:// or https:// URL, not ${parsed.protocol}`);
  }
  // Paths are joined onto the URL, and a user name or password would end up in error
  // messages: only an origin is taken (as TESSERA_PUBLIC_URL is one). The messages never
  // repeat the URL. An empty `?` or `#`, or a bare `@`, parses to nothing, hence the raw checks.
  const authority = raw.trim().slice(parsed.protocol.length).replace(/^[/\\]*/, '').split(/[/\\?#]/)[0]!;
  const only = "give only the server's http(s)://host[:port]";
  if (parsed.username !== '' || parsed.password !== '' || authority.includes('@')) {
    throw new TesseraError('input.invalid', `${source} must not hold a user name or password (user:password@); ${only}`);
  }
  if (parsed.search !== '' || parsed.hash !== '' || /[?#]/.test(raw)) {
    throw new TesseraError('input.invalid', `${source} must not hold a query (?…) or fragment (#…); ${only}`);
  }
  if (parsed.pathname !== '/') throw new TesseraError('input.invalid', `${source} must not hold a path; ${only}`);
  return parsed.origin;
}

/**
 * An operator's command waits as long as the server takes (Ctrl-C stops it): an upload of a
 * large update file may take minutes on a slow link. Admin answers can be megabytes (a batch
 * of 100,000 activation codes, a page of 1,000 manifests): 64 MiB is several times the largest.
 */
const CLI_LIMITS: RequestLimits = Object.freeze({ timeoutMs: Number.POSITIVE_INFINITY, maxAnswerBytes: 64 << 20 });

/** Resolves the server URL and admin token, then returns a client. */
export function adminClient(opts: AdminOptions, env: NodeJS.ProcessEnv = process.env): AdminClient {
  const url = serverUrl(opts, env);
  if (opts.adminToken?.trim() === '') throw new TesseraError('input.invalid', '--admin-token is empty; give the admin token');
  let token = opts.adminToken ?? env['TESSERA_ADMIN_TOKEN'];
  if (!token) {
    const file = join(resolve(env['TESSERA_DATA_DIR'] ?? './.tessera'), 'admin.token');
    if (existsSync(file)) token = readFileSync(file, 'utf8').trim();
  }
  if (!token) {
    throw new TesseraError('input.invalid', 'no admin token: pass --admin-token, set TESSERA_ADMIN_TOKEN, or run where the server\'s data dir is');
  }
  const headers = { authorization: `Bearer ${token}` };
  return {
    url,
    async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      const answer =
        body === undefined
          ? await sendJson(fetch, url + path, method, headers, undefined, CLI_LIMITS)
          : await sendJson(fetch, url + path, method, { ...headers, 'content-type': 'application/json' }, utf8(JSON.stringify(body)), CLI_LIMITS);
      raiseForProblem(answer);
      return answer.body as T;
    },
    async upload<T>(path: string, bytes: Uint8Array, contentType: string): Promise<T> {
      const answer = await sendJson(fetch, url + path, 'POST', { ...headers, 'content-type': contentType }, bytes, CLI_LIMITS);
      raiseForProblem(answer);
      return answer.body as T;
    },
  };
}

/**
 * In text mode, a list command's paging cursor: says on stderr that more `things` follow and
 * which flag fetches them (`--json` carries it as `next`).
 */
export function warnMorePages(next: string | null | undefined, things: string, flag: string): void {
  if (next) warn(`more ${things} follow: add ${flag} ${next}`);
}
