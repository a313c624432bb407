// A deployment on a shared database whose ephemeral state is in this process's memory. That is
// fine for one process; a second process on the same database would share terminals but not
// challenges, sessions, used nonces or throttle counters, so a signed request used on one
// could be replayed on the other and each would count guesses apart. Nothing tells the
// process whether another one exists, so the server says so at start (docs/operations.md).
import type { Settings } from './configSchema.ts';

/** The start-up warning of PostgreSQL with in-memory ephemeral state, or undefined. */
export function sharedStateWarning(settings: Pick<Settings, 'databaseUrl' | 'redisUrl'>): string | undefined {
  if (settings.databaseUrl === undefined || settings.redisUrl !== undefined) return undefined;
  return (
    'TESSERA_DATABASE_URL is set but TESSERA_REDIS_URL is not: challenges, sessions, used nonces and throttle counters live in this ' +
    'process alone. Run one process on this database, or give every process the same TESSERA_REDIS_URL: a second process ' +
    'would accept a signed request already used on this one, and count activation and binding attempts apart.'
  );
}
