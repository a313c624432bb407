// Errors that mean a backing store (PostgreSQL, Redis, SQLite, the in-memory store) is down,
// overloaded or out of space, rather than that the request or the code is wrong. The error
// handler answers them 503 `server.unavailable` with Retry-After, so clients back off and
// retry instead of treating a store outage as a server bug (500).

/** Socket errors of a connection to a store that is unreachable or went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), class 53 (insufficient resources:
 * disk full, out of memory, too many connections) and 57P01–57P03 (shut down or starting).
 */
const POSTGRES_STATE = /^(08|53)[0-9A-Z]{3}$|^57P0[1-3]$/;

/** SQLite result codes of a locked, full or failing database file (better-sqlite3 `code`). */
const SQLITE_CODE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN)(_|$)/;

/** ioredis and node-postgres messages of a lost or never-made connection. */
const CONNECTION_MESSAGE = /^(Connection is closed\.|Connection terminated|timeout exceeded when trying to connect|Stream isn't writeable)/;

/**
 * Redis replies of a server out of memory (maxmemory reached with noeviction), loading its
 * data, busy with a script, or without its primary; before Redis 7 a Lua script's
 * `redis.call` wraps them in an `ERR Error running script` reply.
 */
const REDIS_BUSY_REPLY = /^(?:ERR Error running script .*?: -?)?(OOM|LOADING|BUSY|MASTERDOWN|TRYAGAIN) /;

/** An ephemeral store with no room for a write (`EphemeralStoreFullError`: the in-memory store at its limit, or hellos at their share). */
const STORE_FULL = 'EPHEMERAL_STORE_FULL';

/** True when `err`, or an error it was caused by, says a backing store is unavailable. */
export function isBackendOutage(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  if (err instanceof AggregateError && err.errors.some((e) => isBackendOutage(e, depth + 1))) return true;
  const { code, name, message, cause } = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_STATE.test(code) || SQLITE_CODE.test(code) || code === STORE_FULL)) return true;
  if (name === 'MaxRetriesPerRequestError') return true; // ioredis gave up on a command while reconnecting
  if (name === 'ReplyError' && typeof message === 'string' && REDIS_BUSY_REPLY.test(message)) return true;
  if (typeof message === 'string' && CONNECTION_MESSAGE.test(message)) return true;
  return isBackendOutage(cause, depth + 1);
}
