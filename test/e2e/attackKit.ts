// Raw-HTTP tools for the adversarial end-to-end tests: the handshake's pure steps driven by
// hand (so a test can record, replay, alter or reflect any message), signed requests with
// full control over every header, and the precise-refusal assertion every attack test uses.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { TerminalCredential } from '../../src/protocol/credential.ts';
import { type FinishRequest, type HelloRequest, type HelloResponse, parseHelloResponse } from '../../src/protocol/handshake/messages.ts';
import { answerChallenge, beginHandshake, identityFromCredential, type PendingHandshake, type TerminalIdentity } from '../../src/protocol/handshake/terminalHandshake.ts';
import { signRequest, type SignRequestOptions } from '../../src/protocol/httpsig/signRequest.ts';
import { deriveRequestKey } from '../../src/protocol/keys.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { type Backend, sharedAvailable } from './testServer.ts';

/** An HTTP answer with its body read once, as text and (when it parses) as JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary fields of answers
  json: any;
}

/** Sends one request and reads the whole answer. */
export async function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {}): Promise<Answer> {
  const res = await fetch(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** POSTs `body` as JSON (a string is sent as is, so tests can send malformed JSON). */
export function postJson(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return send(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Asserts an RFC 9457 problem answer with this status and stable code. */
export function assertProblem(answer: Answer, status: number, code: string, context = ''): void {
  const where = context ? ` (${context})` : '';
  assert.equal(answer.status, status, `status${where}: ${answer.text.slice(0, 300)}`);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json\b/, `content-type${where}`);
  assert.equal(answer.json?.code, code, `problem code${where}: ${answer.text.slice(0, 300)}`);
  assert.equal(answer.json?.status, status, `problem status field${where}`);
}

/** The terminal identity a credential holds. */
export function identityOf(credential: TerminalCredential): TerminalIdentity {
  return identityFromCredential(credential);
}

/** Step 1 over HTTP: a fresh hello sent to `base`; the challenge is parsed only on 200. */
export async function sendHello(
  base: string,
  credential: TerminalCredential,
  offered: string[] = credential.suites,
): Promise<{ hello: HelloRequest; pending: PendingHandshake; answer: Answer; challenge: HelloResponse | undefined }> {
  const { hello, pending } = beginHandshake(p, identityOf(credential), offered);
  const answer = await postJson(base, '/v1/auth/hello', hello);
  return { hello, pending, answer, challenge: answer.status === 200 ? parseHelloResponse(answer.json) : undefined };
}

/** A session as a test holds it: the id and the request-signing key. */
export interface TestSession {
  sessionId: string;
  requestKey: Uint8Array;
}

/** A genuine hello whose challenge the terminal has checked: ready to finish. */
export async function challengeFor(base: string, credential: TerminalCredential, offered?: string[]) {
  const started = await sendHello(base, credential, offered);
  assert.equal(started.answer.status, 200, `hello: ${started.answer.text}`);
  const { finish, sessionKey } = answerChallenge(p, started.pending, started.challenge!);
  return { ...started, challenge: started.challenge!, finish, sessionKey };
}

/** Sends a finish. */
export function sendFinish(base: string, finish: FinishRequest | Record<string, unknown>): Promise<Answer> {
  return postJson(base, '/v1/auth/finish', finish);
}

/** The whole handshake by hand: hello on `helloBase`, finish on `finishBase` (default the same). */
export async function handshake(helloBase: string, credential: TerminalCredential, finishBase = helloBase): Promise<TestSession> {
  const { finish, sessionKey } = await challengeFor(helloBase, credential);
  const answer = await sendFinish(finishBase, finish);
  assert.equal(answer.status, 200, `finish: ${answer.text}`);
  return { sessionId: answer.json.sessionId, requestKey: deriveRequestKey(p, sessionKey) };
}

/** A signed request built by hand, not yet sent: tests may alter any part before sending. */
export interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * Signs a request the way the terminal SDK does (RFC 9421 over @method, @target-uri and
 * content-digest). `created` is unix seconds (default: the real clock). `rawBody` is sent as
 * it is, for a body JSON.stringify cannot make.
 */
export function signed(
  base: string,
  session: TestSession,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; created?: number; sign?: Partial<SignRequestOptions> } = {},
): SignedRequest {
  const url = base + path;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  const added = signRequest(
    p,
    { method, targetUri: url, headers, body: body ?? '' },
    { keyid: session.sessionId, key: session.requestKey, created: options.created ?? Math.floor(Date.now() / 1000), ...options.sign },
  );
  return { method, url, headers: { ...headers, ...added }, body };
}

/** Sends a (possibly altered) signed request. */
export function sendSigned(r: SignedRequest): Promise<Answer> {
  return send(r.url, { method: r.method, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) });
}

/**
 * Sends a signed request over node:http, which (unlike fetch) lets the Host header differ from
 * the server connected to: `connectTo` is the server's base URL (default: the request's own),
 * `host` the Host header (default: the request's own authority, as a load balancer forwards it).
 */
export function sendRaw(r: SignedRequest, options: { connectTo?: string; host?: string } = {}): Promise<Answer> {
  const target = new URL(r.url);
  const via = new URL(options.connectTo ?? r.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: via.hostname, port: via.port, path: target.pathname + target.search, method: r.method, headers: { ...r.headers, host: options.host ?? target.host } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: new Headers(res.headers as Record<string, string>), text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

/** The value of one sample line (`name{labels} value`) of the server's /metrics, read with the admin token; 0 when absent. */
export async function metricValue(admin: (method: string, path: string) => Promise<Response>, sample: string): Promise<number> {
  const res = await admin('GET', '/metrics');
  assert.equal(res.status, 200);
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

/** `tessera_handshakes_succeeded_total` of a server: every session ever created by finish. */
export const sessionsCreated = (admin: (method: string, path: string) => Promise<Response>): Promise<number> => metricValue(admin, 'tessera_handshakes_succeeded_total');

/** One refused handshake as the event log records it. */
export interface Failure {
  terminalId: string | null;
  reason: string;
}

/**
 * The newest `auth.failed` events, newest first; only those of `terminalId` when given.
 * A finish on a used or unknown challenge names no terminal (`terminalId: null`).
 */
export async function recentFailures(admin: (method: string, path: string) => Promise<Response>, limit: number, terminalId?: string): Promise<Failure[]> {
  const filter = terminalId === undefined ? '' : `&terminalId=${encodeURIComponent(terminalId)}`;
  const res = await admin('GET', `/v1/admin/events?type=auth.failed&limit=${limit}${filter}`);
  assert.equal(res.status, 200);
  const { events } = (await res.json()) as { events: { terminalId: string | null; detail: { reason?: unknown } }[] };
  return events.map((e) => ({ terminalId: e.terminalId, reason: String(e.detail.reason) }));
}

/** Reasons of every `auth.failed` event of one terminal id, newest first. */
export async function failureReasons(admin: (method: string, path: string) => Promise<Response>, terminalId: string): Promise<string[]> {
  return (await recentFailures(admin, 1000, terminalId)).map((f) => f.reason);
}

/** The backends a test runs on, with the skip reason when the shared ones are not configured. */
export const BACKENDS: readonly { backend: Backend; skip: string | false }[] = [
  { backend: 'embedded', skip: false },
  { backend: 'shared', skip: !sharedAvailable && 'TESSERA_DATABASE_URL/TESSERA_REDIS_URL not set' },
];

/** A controllable clock (epoch ms) for servers started with `now`. */
export function manualClock(start = Date.now()): { now: () => number; advance(ms: number): void; seconds(): number } {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    seconds: () => Math.floor(t / 1000),
  };
}
