// Every server setting in one annotated table: its TESSERA_* variable, default, parser and
// the line docs/operations.md shows for it (a test checks the docs table against this file).
import { TesseraError } from '../../protocol/errors.ts';

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

/** The settings table. Order is the order of the docs table. */
export const SETTINGS = {
  port: { env: 'TESSERA_PORT', defaultText: '8080', doc: 'TCP port of the HTTP API (0 picks a free port).', parse: int('TESSERA_PORT', 0, 65535), default: 8080 },
  host: { env: 'TESSERA_HOST', defaultText: '127.0.0.1', doc: 'Address the HTTP API binds to.', parse: text('TESSERA_HOST', /^[A-Za-z0-9.:[\]-]{1,255}$/, 'a host name or IP address'), default: '127.0.0.1' },
  dataDir: { env: 'TESSERA_DATA_DIR', defaultText: './.tessera', doc: 'Directory of the SQLite file, the master-key file and the admin-token file.', parse: text('TESSERA_DATA_DIR', /^.{1,4096}$/, 'a directory path'), default: './.tessera' },
  databaseUrl: { env: 'TESSERA_DATABASE_URL', defaultText: '(unset: SQLite in the data dir)', doc: 'PostgreSQL URL (`postgres://…`) for durable state shared by several server processes.', parse: optionalUrl('TESSERA_DATABASE_URL', ['postgres', 'postgresql']), default: undefined as string | undefined },
  redisUrl: { env: 'TESSERA_REDIS_URL', defaultText: '(unset: in-memory)', doc: 'Redis URL (`redis://…`) for challenges, nonces, sessions and counters shared by several processes.', parse: optionalUrl('TESSERA_REDIS_URL', ['redis', 'rediss']), default: undefined as string | undefined },
  databaseSchema: { env: 'TESSERA_DATABASE_SCHEMA', defaultText: '(unset: the search_path)', doc: 'PostgreSQL schema for Tessera\'s tables, created if missing.', parse: text('TESSERA_DATABASE_SCHEMA', /^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier'), default: undefined as string | undefined },
  redisKeyPrefix: { env: 'TESSERA_REDIS_PREFIX', defaultText: 'tessera:', doc: 'Prefix of every Redis key, so deployments can share a Redis.', parse: text('TESSERA_REDIS_PREFIX', /^[A-Za-z0-9:._-]{1,64}$/, '1–64 characters of A–Z a–z 0–9 : . _ -'), default: 'tessera:' },
  masterKey: { env: 'TESSERA_MASTER_KEY', defaultText: '(unset: key file in the data dir)', doc: 'Master keys as `kid:base64url` pairs separated by commas (32 bytes each); the highest kid is used for new terminals.', parse: text('TESSERA_MASTER_KEY', /^[^\s]{1,4096}$/, 'kid:base64url pairs separated by commas'), default: undefined as string | undefined },
  adminToken: { env: 'TESSERA_ADMIN_TOKEN', defaultText: '(unset: generated into the data dir)', doc: 'Bearer token of the admin API (at least 32 characters).', parse: text('TESSERA_ADMIN_TOKEN', /^[\x21-\x7e]{32,256}$/, 'at least 32 printable characters'), default: undefined as string | undefined },
  serverId: { env: 'TESSERA_SERVER_ID', defaultText: '(derived from the master key)', doc: 'Identity of this deployment inside every handshake transcript; all processes of one deployment share it.', parse: text('TESSERA_SERVER_ID', /^[A-Za-z0-9._:-]{1,64}$/, '1–64 characters of A–Z a–z 0–9 . _ : -'), default: undefined as string | undefined },
  publicUrl: { env: 'TESSERA_PUBLIC_URL', defaultText: '(http://HOST:PORT)', doc: 'URL terminals use to reach the server; written into credential files.', parse: optionalUrl('TESSERA_PUBLIC_URL', ['http', 'https']), default: undefined as string | undefined },
  suites: { env: 'TESSERA_SUITES', defaultText: 'hmac-sha256,hmac-sm3', doc: 'Handshake suites in the server\'s order of preference.', parse: suiteList('TESSERA_SUITES'), default: ['hmac-sha256', 'hmac-sm3'] as string[] },
  challengeTtlSeconds: { env: 'TESSERA_CHALLENGE_TTL_SECONDS', defaultText: '30', doc: 'Lifetime of a handshake challenge (1–30 s).', parse: int('TESSERA_CHALLENGE_TTL_SECONDS', 1, 30), default: 30 },
  sessionTtlSeconds: { env: 'TESSERA_SESSION_TTL_SECONDS', defaultText: '900', doc: 'Lifetime of a session (60 s – 24 h).', parse: int('TESSERA_SESSION_TTL_SECONDS', 60, 86400), default: 900 },
  signatureSkewSeconds: { env: 'TESSERA_SIGNATURE_SKEW_SECONDS', defaultText: '30', doc: 'How far a signed request\'s `created` may be from the server clock (5–300 s).', parse: int('TESSERA_SIGNATURE_SKEW_SECONDS', 5, 300), default: 30 },
  bodyLimitBytes: { env: 'TESSERA_BODY_LIMIT_BYTES', defaultText: '16384', doc: 'Largest accepted request body.', parse: int('TESSERA_BODY_LIMIT_BYTES', 1024, 10485760), default: 16384 },
  trustProxy: { env: 'TESSERA_TRUST_PROXY', defaultText: 'false', doc: 'Take the client address from X-Forwarded-For (only behind a proxy you run).', parse: bool('TESSERA_TRUST_PROXY'), default: false },
  logLevel: { env: 'TESSERA_LOG_LEVEL', defaultText: 'info', doc: 'pino log level: fatal, error, warn, info, debug, trace or silent.', parse: text('TESSERA_LOG_LEVEL', /^(fatal|error|warn|info|debug|trace|silent)$/, 'one of fatal, error, warn, info, debug, trace, silent'), default: 'info' },
} satisfies Record<string, SettingDefinition<unknown>>;

/** The validated settings. */
export type Settings = { -readonly [K in keyof typeof SETTINGS]: (typeof SETTINGS)[K]['default'] };
