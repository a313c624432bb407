// Every server setting in one annotated table: its TESSERA_* variable, default, parser and
// the line docs/operations.md shows for it (a test checks the docs table against this file).
import { TesseraError } from '../../protocol/errors.ts';
import { DEFAULT_MAX_ENTRIES } from '../ephemeral/memoryEphemeralStore.ts';

/** One setting: how it is read, checked and documented. */
export interface SettingDefinition<T> {
  env: string;
  /** Shown in docs; `undefined` means unset by default. */
  defaultText: string;
  doc: string;
  parse(raw: string): T;
  default: T;
}

function fail(env: string, allowed: string): never {
  throw new TesseraError('config.invalid', `${env} must be ${allowed}`);
}

const int = (env: string, min: number, max: number) => (raw: string) => {
  if (!/^\d+$/.test(raw.trim())) fail(env, `an integer from ${min} to ${max}`);
  const n = Number(raw.trim());
  if (n < min || n > max) fail(env, `an integer from ${min} to ${max}`);
  return n;
};

/** A bearer token (admin, metrics): 32–256 printable ASCII characters, no space. */
export const BEARER_TOKEN = /^[\x21-\x7e]{32,256}$/;

const text = (env: string, pattern: RegExp, allowed: string) => (raw: string) => {
  const v = raw.trim();
  if (!pattern.test(v)) fail(env, allowed);
  return v;
};

const optionalUrl = (env: string, schemes: string[]) => (raw: string) => {
  const v = raw.trim();
  if (v === '') return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    fail(env, `a URL with scheme ${schemes.join(' or ')}`);
  }
  if (!schemes.includes(url.protocol.replace(/:$/, ''))) fail(env, `a URL with scheme ${schemes.join(' or ')}`);
  return v;
};

const bool = (env: string) => (raw: string) => {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  return fail(env, 'true or false');
};

const suiteList = (env: string) => (raw: string) => {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0 || list.some((s) => !/^[A-Za-z0-9:._-]{1,64}$/.test(s))) fail(env, 'a comma-separated list of suite names');
  return list;
};

/**
 * An https URL, or http to a loopback host only (codes and numbers never cross a network in
 * clear), without a user name or password: fetch refuses such a URL, and its error text would
 * carry the password into the logs. Credentials go in the matching *_TOKEN setting.
 */
const secureUrl = (env: string, tokenEnv: string) => (raw: string) => {
  const v = optionalUrl(env, ['http', 'https'])(raw);
  if (v === undefined) return undefined;
  const { protocol, hostname, username, password } = new URL(v);
  if (protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) fail(env, 'an https URL (http only to 127.0.0.1, localhost or [::1])');
  if (username !== '' || password !== '') fail(env, `a URL without a user name or password (put the credential in ${tokenEnv})`);
  return v;
};

/**
 * An http(s) origin with no path, query, fragment or user:password, as the WHATWG URL parser
 * writes it (lower-case scheme and host, no default port, no trailing `/`): credential files
 * carry it, and a terminal signs requests to it plus the path, so it must be canonical.
 */
const publicOrigin = (env: string) => (raw: string) => {
  const v = optionalUrl(env, ['http', 'https'])(raw);
  if (v === undefined) return undefined;
  const url = new URL(v);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    fail(env, 'an http(s) origin without path, query or user:password, e.g. https://tessera.example.com');
  }
  return url.origin;
};

const appList = (env: string) => (raw: string) => {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0 || list.some((s) => !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(s))) fail(env, 'a comma-separated list of lower-case app ids');
  return list;
};

/** The settings table. Order is the order of the docs table. */
export const SETTINGS = {
  port: { env: 'TESSERA_PORT', defaultText: '8080', doc: 'TCP port of the HTTP API (0 picks a free port).', parse: int('TESSERA_PORT', 0, 65535), default: 8080 },
  host: { env: 'TESSERA_HOST', defaultText: '127.0.0.1', doc: 'Address the HTTP API binds to.', parse: text('TESSERA_HOST', /^[A-Za-z0-9.:[\]-]{1,255}$/, 'a host name or IP address'), default: '127.0.0.1' },
  dataDir: { env: 'TESSERA_DATA_DIR', defaultText: './.tessera', doc: 'Directory of the SQLite file, the master-key file and the admin-token file.', parse: text('TESSERA_DATA_DIR', /^.{1,4096}$/, 'a directory path'), default: './.tessera' },
  databaseUrl: { env: 'TESSERA_DATABASE_URL', defaultText: '(unset: SQLite in the data dir)', doc: 'PostgreSQL URL (`postgres://…`) for durable state shared by several server processes.', parse: optionalUrl('TESSERA_DATABASE_URL', ['postgres', 'postgresql']), default: undefined as string | undefined },
  redisUrl: { env: 'TESSERA_REDIS_URL', defaultText: '(unset: in-memory)', doc: 'Redis URL (`redis://…`) for challenges, nonces, sessions and counters shared by several processes.', parse: optionalUrl('TESSERA_REDIS_URL', ['redis', 'rediss']), default: undefined as string | undefined },
  databaseSchema: { env: 'TESSERA_DATABASE_SCHEMA', defaultText: '(unset: the search_path)', doc: 'PostgreSQL schema for Tessera\'s tables, created if missing.', parse: text('TESSERA_DATABASE_SCHEMA', /^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier'), default: undefined as string | undefined },
  redisKeyPrefix: { env: 'TESSERA_REDIS_PREFIX', defaultText: 'tessera:', doc: 'Prefix of every Redis key, so deployments can share a Redis.', parse: text('TESSERA_REDIS_PREFIX', /^[A-Za-z0-9:._-]{1,64}$/, '1–64 characters of A–Z a–z 0–9 : . _ -'), default: 'tessera:' },
  memoryMaxEntries: { env: 'TESSERA_MEMORY_MAX_ENTRIES', defaultText: '500000', doc: 'Most entries (challenges, replay guards, sessions, counters; about 1 KB each) the in-memory ephemeral store holds (1000–100000000). A request that would add one past it gets 503 `server.unavailable` until entries expire; hellos may fill 80% of it. Not used with TESSERA_REDIS_URL: give Redis a `maxmemory` instead.', parse: int('TESSERA_MEMORY_MAX_ENTRIES', 1000, 100000000), default: DEFAULT_MAX_ENTRIES },
  masterKey: { env: 'TESSERA_MASTER_KEY', defaultText: '(unset: key file in the data dir)', doc: 'Master keys as `kid:base64url` pairs separated by commas (32 bytes each); the highest kid is used for new terminals unless TESSERA_MASTER_KEY_CURRENT names another.', parse: text('TESSERA_MASTER_KEY', /^[^\s]{1,4096}$/, 'kid:base64url pairs separated by commas'), default: undefined as string | undefined },
  masterKeyCurrent: { env: 'TESSERA_MASTER_KEY_CURRENT', defaultText: '(unset: the highest kid)', doc: 'Kid of the master key new terminals, lots, activation-code batches and SIM bindings are made under; must be a kid of the ring. A rolling rotation sets it to the old kid until every process holds the new key ("Master keys and rotation").', parse: int('TESSERA_MASTER_KEY_CURRENT', 1, 999999999), default: undefined as number | undefined },
  updateKey: { env: 'TESSERA_UPDATE_KEY', defaultText: '(unset: key file in the data dir)', doc: 'Ed25519 seed (32 bytes, base64url) that signs update manifests; same on every process.', parse: text('TESSERA_UPDATE_KEY', /^[A-Za-z0-9_-]{43}$/, '43 base64url characters (a 32-byte seed)'), default: undefined as string | undefined },
  adminToken: { env: 'TESSERA_ADMIN_TOKEN', defaultText: '(unset: generated into the data dir)', doc: 'Bearer token of the admin API (at least 32 characters).', parse: text('TESSERA_ADMIN_TOKEN', BEARER_TOKEN, 'at least 32 printable characters'), default: undefined as string | undefined },
  metricsToken: { env: 'TESSERA_METRICS_TOKEN', defaultText: '(unset: only the admin token reads /metrics)', doc: 'Bearer token that may read `/metrics` and nothing else (at least 32 characters), for a Prometheus scraper that must not hold the admin token.', parse: text('TESSERA_METRICS_TOKEN', BEARER_TOKEN, 'at least 32 printable characters'), default: undefined as string | undefined },
  serverId: { env: 'TESSERA_SERVER_ID', defaultText: '(stored in the database on the first start)', doc: 'Identity of this deployment inside every handshake transcript; all processes of one deployment share it. Unset: the id the database stored on the first start (derived then from the lowest master kid). Set: wins, and is stored if none is.', parse: text('TESSERA_SERVER_ID', /^[A-Za-z0-9._:-]{1,64}$/, '1–64 characters of A–Z a–z 0–9 . _ : -'), default: undefined as string | undefined },
  publicUrl: { env: 'TESSERA_PUBLIC_URL', defaultText: '(http://HOST:PORT)', doc: 'URL terminals use to reach the server, an origin (`https://host[:port]`, no path); written into credential files as the WHATWG URL parser writes it.', parse: publicOrigin('TESSERA_PUBLIC_URL'), default: undefined as string | undefined },
  suites: { env: 'TESSERA_SUITES', defaultText: 'hmac-sha256,hmac-sm3', doc: 'Handshake suites this server allows. New terminals and lots offer them in this order unless given their own list; a terminal\'s offered order picks among them.', parse: suiteList('TESSERA_SUITES'), default: ['hmac-sha256', 'hmac-sm3'] as string[] },
  challengeTtlSeconds: { env: 'TESSERA_CHALLENGE_TTL_SECONDS', defaultText: '30', doc: 'Lifetime of a handshake challenge (1–30 s).', parse: int('TESSERA_CHALLENGE_TTL_SECONDS', 1, 30), default: 30 },
  sessionTtlSeconds: { env: 'TESSERA_SESSION_TTL_SECONDS', defaultText: '900', doc: 'Lifetime of a session (60 s – 24 h).', parse: int('TESSERA_SESSION_TTL_SECONDS', 60, 86400), default: 900 },
  signatureSkewSeconds: { env: 'TESSERA_SIGNATURE_SKEW_SECONDS', defaultText: '30', doc: 'How far a signed request\'s `created` may be from the server clock (5–300 s).', parse: int('TESSERA_SIGNATURE_SKEW_SECONDS', 5, 300), default: 30 },
  bodyLimitBytes: { env: 'TESSERA_BODY_LIMIT_BYTES', defaultText: '16384', doc: 'Largest accepted request body.', parse: int('TESSERA_BODY_LIMIT_BYTES', 1024, 10485760), default: 16384 },
  requestTimeoutSeconds: { env: 'TESSERA_REQUEST_TIMEOUT_SECONDS', defaultText: '120', doc: 'Time a client has to send a whole request, headers and body (1–3600 s); past it the request gets 408 `input.request_timeout` and its connection is closed. An update upload must arrive within it: raise it for large files over slow links.', parse: int('TESSERA_REQUEST_TIMEOUT_SECONDS', 1, 3600), default: 120 },
  updateMaxBytes: { env: 'TESSERA_UPDATE_MAX_BYTES', defaultText: '67108864', doc: 'Largest update file `tessera update publish` may upload (64 KiB – 256 MiB; default 64 MiB). Only the admin publish route accepts a body this large.', parse: int('TESSERA_UPDATE_MAX_BYTES', 65536, 268435456), default: 67108864 },
  trustProxy: { env: 'TESSERA_TRUST_PROXY', defaultText: 'false', doc: 'Take the client address from X-Forwarded-For (only behind a proxy you run).', parse: bool('TESSERA_TRUST_PROXY'), default: false },
  logLevel: { env: 'TESSERA_LOG_LEVEL', defaultText: 'info', doc: 'pino log level: fatal, error, warn, info, debug, trace or silent.', parse: text('TESSERA_LOG_LEVEL', /^(fatal|error|warn|info|debug|trace|silent)$/, 'one of fatal, error, warn, info, debug, trace, silent'), default: 'info' },
  bindingApps: { env: 'TESSERA_BINDING_APPS', defaultText: 'default', doc: 'Application ids a SIM binding may name (docs/binding.md); the first is used when a registration names none.', parse: appList('TESSERA_BINDING_APPS'), default: ['default'] as string[] },
  bindingOnePerNumber: { env: 'TESSERA_BINDING_ONE_PER_NUMBER', defaultText: 'true', doc: 'At most one active binding per phone number and application: binding the number on a new terminal ends the old binding.', parse: bool('TESSERA_BINDING_ONE_PER_NUMBER'), default: true },
  bindingCodeDigits: { env: 'TESSERA_BINDING_CODE_DIGITS', defaultText: '6', doc: 'Digits of a binding verification code (6–8).', parse: int('TESSERA_BINDING_CODE_DIGITS', 6, 8), default: 6 },
  bindingCodeTtlSeconds: { env: 'TESSERA_BINDING_CODE_TTL_SECONDS', defaultText: '300', doc: 'Lifetime of a verification code (60–900 s).', parse: int('TESSERA_BINDING_CODE_TTL_SECONDS', 60, 900), default: 300 },
  bindingCodeMaxAttempts: { env: 'TESSERA_BINDING_CODE_MAX_ATTEMPTS', defaultText: '5', doc: 'Guesses allowed per verification code; past them the code is void (1–10).', parse: int('TESSERA_BINDING_CODE_MAX_ATTEMPTS', 1, 10), default: 5 },
  bindingSourceAttemptsPerHour: { env: 'TESSERA_BINDING_SOURCE_ATTEMPTS_PER_HOUR', defaultText: '30', doc: 'Binding registrations, and separately code guesses, allowed per client address per hour (1–10000).', parse: int('TESSERA_BINDING_SOURCE_ATTEMPTS_PER_HOUR', 1, 10000), default: 30 },
  bindingRegistrationsPerHour: { env: 'TESSERA_BINDING_REGISTRATIONS_PER_HOUR', defaultText: '5', doc: 'Registrations (codes sent) allowed per terminal and per phone number per hour (1–1000).', parse: int('TESSERA_BINDING_REGISTRATIONS_PER_HOUR', 1, 1000), default: 5 },
  bindingSimChangeCooldownSeconds: { env: 'TESSERA_BINDING_SIM_CHANGE_COOLDOWN_SECONDS', defaultText: '86400', doc: 'After a SIM change, sensitive calls stay refused this long after re-binding (0 turns the cool-down off; at most 30 days).', parse: int('TESSERA_BINDING_SIM_CHANGE_COOLDOWN_SECONDS', 0, 2592000), default: 86400 },
  bindingSmsOutbox: { env: 'TESSERA_BINDING_SMS_OUTBOX', defaultText: '(sms-outbox.log in the data dir)', doc: 'Development SMS sender: file (mode 0600) the verification codes are appended to when no webhook is set.', parse: text('TESSERA_BINDING_SMS_OUTBOX', /^\P{Cc}{1,4096}$/u, 'a file path without control characters'), default: undefined as string | undefined },
  bindingSmsWebhookUrl: { env: 'TESSERA_BINDING_SMS_WEBHOOK_URL', defaultText: '(unset: development outbox file)', doc: 'SMS gateway webhook that receives `{to, text, …}` as JSON (https; http only to loopback; no user:password in it, the credential goes in TESSERA_BINDING_SMS_WEBHOOK_TOKEN).', parse: secureUrl('TESSERA_BINDING_SMS_WEBHOOK_URL', 'TESSERA_BINDING_SMS_WEBHOOK_TOKEN'), default: undefined as string | undefined },
  bindingSmsWebhookToken: { env: 'TESSERA_BINDING_SMS_WEBHOOK_TOKEN', defaultText: '(unset)', doc: 'Bearer token sent to the SMS webhook.', parse: text('TESSERA_BINDING_SMS_WEBHOOK_TOKEN', /^[\x21-\x7e]{1,4096}$/, 'printable characters without spaces'), default: undefined as string | undefined },
  bindingSimSwapUrl: { env: 'TESSERA_BINDING_SIM_SWAP_URL', defaultText: '(unset: no operator check)', doc: 'Base URL of a CAMARA SIM Swap API (`…/check`, `…/retrieve-date`) of the mobile operator (https; http only to loopback; no user:password in it, the credential goes in TESSERA_BINDING_SIM_SWAP_TOKEN).', parse: secureUrl('TESSERA_BINDING_SIM_SWAP_URL', 'TESSERA_BINDING_SIM_SWAP_TOKEN'), default: undefined as string | undefined },
  bindingSimSwapToken: { env: 'TESSERA_BINDING_SIM_SWAP_TOKEN', defaultText: '(unset)', doc: 'Bearer access token for the SIM Swap API.', parse: text('TESSERA_BINDING_SIM_SWAP_TOKEN', /^[\x21-\x7e]{1,4096}$/, 'printable characters without spaces'), default: undefined as string | undefined },
  bindingSimSwapMaxAgeHours: { env: 'TESSERA_BINDING_SIM_SWAP_MAX_AGE_HOURS', defaultText: '240', doc: 'At registration, a swap reported within this many hours counts as recent (CAMARA `maxAge`, 1–2400).', parse: int('TESSERA_BINDING_SIM_SWAP_MAX_AGE_HOURS', 1, 2400), default: 240 },
  bindingSimSwapPolicy: { env: 'TESSERA_BINDING_SIM_SWAP_POLICY', defaultText: 'cooldown', doc: 'What a recent swap at registration does: `cooldown` binds with the SIM-change cool-down, `refuse` refuses the registration.', parse: text('TESSERA_BINDING_SIM_SWAP_POLICY', /^(cooldown|refuse)$/, 'cooldown or refuse'), default: 'cooldown' },
  bindingSimSwapCacheSeconds: { env: 'TESSERA_BINDING_SIM_SWAP_CACHE_SECONDS', defaultText: '300', doc: 'How long a “no swap since binding” answer is reused for sensitive calls (0–3600 s).', parse: int('TESSERA_BINDING_SIM_SWAP_CACHE_SECONDS', 0, 3600), default: 300 },
  bindingSimSwapFailOpen: { env: 'TESSERA_BINDING_SIM_SWAP_FAIL_OPEN', defaultText: 'false', doc: 'Let calls through (and record an event) when the SIM Swap API does not answer; by default they are refused.', parse: bool('TESSERA_BINDING_SIM_SWAP_FAIL_OPEN'), default: false },
  activationRequiresBinding: { env: 'TESSERA_ACTIVATION_REQUIRES_BINDING', defaultText: 'true', doc: '`POST /v1/activate` is a sensitive call: the terminal must have an active SIM binding and present its facts. Set false for fleets without SIMs (set-top boxes, kiosks).', parse: bool('TESSERA_ACTIVATION_REQUIRES_BINDING'), default: true },
  activationCodeTtlDays: { env: 'TESSERA_ACTIVATION_CODE_TTL_DAYS', defaultText: '730', doc: 'Lifetime of the codes of a new batch that names no `expiresAt` (1–3650 days).', parse: int('TESSERA_ACTIVATION_CODE_TTL_DAYS', 1, 3650), default: 730 },
  activationMaxFailures: { env: 'TESSERA_ACTIVATION_MAX_FAILURES', defaultText: '5', doc: 'Activation attempts with a well-formed code a terminal may make per window; the last failure locks the terminal out (1–100).', parse: int('TESSERA_ACTIVATION_MAX_FAILURES', 1, 100), default: 5 },
  activationSourceMaxFailures: { env: 'TESSERA_ACTIVATION_SOURCE_MAX_FAILURES', defaultText: '20', doc: 'Activation attempts with a well-formed code allowed per client address per window, successes not counted; the failure that reaches this number locks the address out (1–100000). Attempts count before the code is looked at, so of a burst at most this many get through.', parse: int('TESSERA_ACTIVATION_SOURCE_MAX_FAILURES', 1, 100000), default: 20 },
  activationWindowSeconds: { env: 'TESSERA_ACTIVATION_WINDOW_SECONDS', defaultText: '900', doc: 'Window in which activation attempts and failures are counted (60–86400 s).', parse: int('TESSERA_ACTIVATION_WINDOW_SECONDS', 60, 86400), default: 900 },
  activationLockoutSeconds: { env: 'TESSERA_ACTIVATION_LOCKOUT_SECONDS', defaultText: '3600', doc: 'How long a terminal or address that used up its activation attempts is refused (60–604800 s). A lockout that ends inside the counting window gives no attempt back: the window’s counts apply until it ends.', parse: int('TESSERA_ACTIVATION_LOCKOUT_SECONDS', 60, 604800), default: 3600 },
} satisfies Record<string, SettingDefinition<unknown>>;

/** The validated settings. */
export type Settings = { -readonly [K in keyof typeof SETTINGS]: (typeof SETTINGS)[K]['default'] };
