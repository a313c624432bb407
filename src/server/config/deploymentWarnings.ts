// Start-up warnings of a deployment on a shared database that may not be what its operator
// meant. Nothing tells a process whether another one uses the same database, so these are
// warnings, not refusals (docs/operations.md, "Several processes").
//
// - Ephemeral state in this process's memory (no TESSERA_REDIS_URL): a second process would
//   share terminals but not challenges, sessions, used nonces or throttle counters, so a
//   signed request used on one could be replayed on the other and each would count guesses
//   apart.
// - Keys from this process's data dir (no TESSERA_MASTER_KEY or TESSERA_UPDATE_KEY): a second
//   process with a data dir of its own creates keys of its own on its first start, and then
//   cannot prove itself to the first one's terminals, or signs updates they refuse.
import type { Settings } from './configSchema.ts';

/** The warnings for these settings (none on SQLite, which one process uses alone). */
export function deploymentWarnings(settings: Pick<Settings, 'databaseUrl' | 'redisUrl' | 'masterKey' | 'updateKey'>): string[] {
  if (settings.databaseUrl === undefined) return [];
  const warnings: string[] = [];
  if (settings.redisUrl === undefined) {
    warnings.push(
      'TESSERA_DATABASE_URL is set but TESSERA_REDIS_URL is not: challenges, sessions, used nonces and throttle counters live in this ' +
        'process alone. Run one process on this database, or give every process the same TESSERA_REDIS_URL: a second process ' +
        'would accept a signed request already used on this one, and count activation and binding attempts apart.',
    );
  }
  const fromFiles = [settings.masterKey === undefined ? 'TESSERA_MASTER_KEY' : undefined, settings.updateKey === undefined ? 'TESSERA_UPDATE_KEY' : undefined].filter(Boolean);
  if (fromFiles.length > 0) {
    warnings.push(
      `TESSERA_DATABASE_URL is set but ${fromFiles.join(' and ')} ${fromFiles.length > 1 ? 'are' : 'is'} not: this process uses the key files of its ` +
        'data dir. Every process on this database must hold the same keys: set the same values on each (tessera keys generate), ' +
        'or give them one data dir.',
    );
  }
  return warnings;
}
