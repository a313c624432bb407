// Fastify makes a pino child logger (bindings: reqId) for every request before any route code
// runs. Building a pino child costs as much as a small route, and at the default levels most
// requests never log. This factory hands Fastify a stand-in that checks the level first and
// builds the real child only for the first line that will actually be written, so a request
// that logs nothing pays for nothing; one that logs gets exactly the child Fastify would make.
// Also the request serializer of those logs, which masks phone numbers in query strings.
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions, FastifyChildLoggerFactory } from 'fastify/types/logger.js';
import { maskNumber } from '../services/binding/smsSender.ts';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogArgs = Parameters<FastifyBaseLogger['info']>;

/** A logger that can say whether a level is on (pino's; Fastify's null logger cannot). */
type LevelAware = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

/** A request's logger: the pino child, made on first use of an enabled level. */
class LazyRequestLogger {
  readonly #parent: LevelAware;
  readonly #bindings: Bindings;
  #child: LevelAware | undefined;
  /** Whether a level was set on this request's logger (it then differs from the app's). */
  levelChanged = false;

  constructor(parent: LevelAware, bindings: Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #real(): LevelAware {
    this.#child ??= this.#parent.child(this.#bindings) as LevelAware;
    return this.#child;
  }

  #log(level: Level, args: LogArgs): void {
    if (this.#child === undefined && !this.#parent.isLevelEnabled(level)) return;
    (this.#real()[level] as (...a: LogArgs) => void)(...args);
  }

  get level(): string {
    return (this.#child ?? this.#parent).level;
  }
  set level(level: string) {
    this.levelChanged = true;
    this.#real().level = level;
  }
  isLevelEnabled(level: string): boolean {
    return (this.#child ?? this.#parent).isLevelEnabled(level);
  }
  fatal(...args: LogArgs): void {
    this.#log('fatal', args);
  }
  error(...args: LogArgs): void {
    this.#log('error', args);
  }
  warn(...args: LogArgs): void {
    this.#log('warn', args);
  }
  info(...args: LogArgs): void {
    this.#log('info', args);
  }
  debug(...args: LogArgs): void {
    this.#log('debug', args);
  }
  trace(...args: LogArgs): void {
    this.#log('trace', args);
  }
  silent(): void {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
}

/**
 * True when a request's logger writes as the app's logger does (same level, serializers and
 * redaction, plus its reqId): the factory's stand-in, whose level nobody changed. A route or
 * plugin with a log level or serializers of its own gets a real child instead.
 */
export function logsAsApp(logger: unknown): boolean {
  return logger instanceof LazyRequestLogger && !logger.levelChanged;
}

const levelAware = (logger: FastifyBaseLogger): logger is LevelAware => typeof (logger as Partial<LevelAware>).isLevelEnabled === 'function';

/**
 * Fastify's `childLoggerFactory` option. A route with its own log level or serializers gets a
 * real child at once (those options change how lines are written, not only whether), and so
 * does a logger that cannot tell its level (Fastify's null logger, whose child is itself).
 */
export const lazyChildLoggerFactory: FastifyChildLoggerFactory = (logger, bindings, options) => {
  if (options.level !== undefined || options.serializers !== undefined || !levelAware(logger)) return logger.child(bindings, options);
  return new LazyRequestLogger(logger, bindings) as unknown as FastifyBaseLogger;
};

/** Query parameters whose values are personal data: logged masked like the SMS log does. */
const MASKED_KEY = 'msisdn';

/** A query key as the route reads it (percent- and plus-decoded), lower-cased; undecodable keys as they are. */
function decodedKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** The query string with every value of a personal-data key masked, whatever encoding its key uses. */
function maskedQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0 || decodedKey(pair.slice(0, eq)) !== MASKED_KEY) return pair;
      return `${pair.slice(0, eq + 1)}${maskedValue(pair.slice(eq + 1))}`;
    })
    .join('&');
}

/** The number as the SMS log shows it: separators dropped, all but the last four digits masked. */
function maskedValue(raw: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw.replace(/\d/g, '•'); // not decodable: no digit of it is shown
  }
  return `${value.trimStart().startsWith('+') ? '+' : ''}${maskNumber(value.replace(/\D/g, ''))}`;
}

/** The URL with its query masked (the path carries no personal data: no route takes a number in it). */
function maskedUrl(url: string | undefined): string | undefined {
  const q = typeof url === 'string' ? url.indexOf('?') : -1;
  return q < 0 ? url : `${url!.slice(0, q + 1)}${maskedQuery(url!.slice(q + 1))}`;
}

/**
 * The request as request logs show it (Fastify's fields), with a phone number in the query
 * string masked to its last four digits: `GET /v1/admin/bindings?msisdn=+••••••••3456`.
 */
export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: maskedUrl(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
