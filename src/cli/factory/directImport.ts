// `tessera factory provision --database URL | --sqlite PATH`: the station next to the
// database writes the server records itself, through the same store and the same insert as
// the import route. It needs the deployment's master key (TESSERA_MASTER_KEY, or the data
// dir's key file, never created here) to prove the station file belongs to this deployment.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TesseraError } from '../../protocol/errors.ts';
import { deriveLotKey } from '../../protocol/factory/lotKeys.ts';
import type { LotMaterial } from '../../protocol/factory/stationFile.ts';
import type { Primitives } from '../../protocol/primitives.ts';
import { loadOrCreateKeyFile, type MasterKeyRing, parseMasterKeys } from '../../server/config/masterKeys.ts';
import { SETTINGS } from '../../server/config/configSchema.ts';
import { durableServerId } from '../../server/config/durableServerId.ts';
import { DATA_FILES } from '../../server/config/serverConfig.ts';
import { openDurableStore } from '../../server/store/openDurableStore.ts';
import type { DurableStore, LotRecord } from '../../server/store/types.ts';

/** Where the records go. */
export interface DirectImportOptions {
  databaseUrl?: string;
  sqlitePath?: string;
  /** PostgreSQL schema (default TESSERA_DATABASE_SCHEMA). */
  schema?: string;
  /** Data dir holding master.keys when TESSERA_MASTER_KEY is unset. */
  dataDir?: string;
}

/** An open store with the lot in it. */
export interface DirectImport {
  store: DurableStore;
  lot: LotRecord;
  /** Names the database (never with a password), for the checkpoint. */
  target: string;
  /** Set when the station file's server id differs from this deployment's. */
  warning: string | undefined;
}

function masterKeys(opts: DirectImportOptions, env: NodeJS.ProcessEnv): MasterKeyRing {
  if (env['TESSERA_MASTER_KEY']) return parseMasterKeys(env['TESSERA_MASTER_KEY']);
  const file = join(resolve(opts.dataDir ?? env['TESSERA_DATA_DIR'] ?? './.tessera'), DATA_FILES.masterKeys);
  if (!existsSync(file)) {
    throw new TesseraError('input.invalid', `a direct import needs the master key: set TESSERA_MASTER_KEY or point --data-dir at the server's data dir (no ${file})`);
  }
  return loadOrCreateKeyFile(file).ring;
}

function targetOf(opts: DirectImportOptions, schema: string | undefined): string {
  if (!opts.databaseUrl) return `sqlite:${resolve(opts.sqlitePath!)}`;
  try {
    const u = new URL(opts.databaseUrl);
    return `postgres://${u.hostname}:${u.port || '5432'}${u.pathname}${schema ? `#${schema}` : ''}`;
  } catch {
    throw new TesseraError('input.invalid', '--database is not a valid URL');
  }
}

/** A SQLite file that is not a database (or cannot be opened as one) is an input error naming it. */
function sqliteInputError(opts: DirectImportOptions, err: unknown): unknown {
  // SQLite's own error, or the one openDurableStore wrapped in server.unavailable.
  const sqliteCode = (e: unknown) => {
    const c = (e as { code?: unknown } | null)?.code;
    return typeof c === 'string' && c.startsWith('SQLITE_') ? c : undefined;
  };
  const code = sqliteCode(err) ?? sqliteCode((err as { cause?: unknown } | null)?.cause);
  if (!opts.sqlitePath || code === undefined) return err;
  const why = code === 'SQLITE_NOTADB' ? 'is not a SQLite database' : 'cannot be opened as a SQLite database';
  return new TesseraError('input.invalid', `--sqlite ${opts.sqlitePath} ${why} (${code})`);
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Checks the station file against the master key, opens the store and makes sure the lot is
 * there (created from the station file when absent, which only a master-key holder can do).
 */
export async function openDirectImport(p: Primitives, lot: LotMaterial, opts: DirectImportOptions, env: NodeJS.ProcessEnv = process.env): Promise<DirectImport> {
  if (Boolean(opts.databaseUrl) === Boolean(opts.sqlitePath)) throw new TesseraError('input.invalid', 'give one of --database and --sqlite');
  const ring = masterKeys(opts, env);
  const f = lot.fields;
  const master = ring.get(f.kid);
  if (!master) throw new TesseraError('lot.bundle_invalid', `this deployment has no master key kid ${f.kid} (the station file's)`);
  if (!p.equal(deriveLotKey(p, master, f.lotId), lot.lotKey)) {
    throw new TesseraError('lot.bundle_invalid', `the station file's lot key does not derive from this deployment's master key: wrong station file, or wrong database`);
  }
  const schema = opts.schema ?? env['TESSERA_DATABASE_SCHEMA'];
  const target = targetOf(opts, schema);
  let store: DurableStore;
  try {
    store = await openDurableStore({ databaseUrl: opts.databaseUrl, sqlitePath: opts.sqlitePath ?? ':memory:', ...(schema ? { schema } : {}) });
  } catch (err) {
    throw sqliteInputError(opts, err);
  }
  try {
    // The id the deployment's servers use: stored on their first start (or here, if this comes first).
    const configured = env['TESSERA_SERVER_ID'] ? SETTINGS.serverId.parse(env['TESSERA_SERVER_ID']) : undefined; // the server's own check
    const { serverId } = await durableServerId(store.meta, ring, configured);
    const warning = serverId === f.serverId ? undefined : `the station file names server ${f.serverId}, this deployment's server id is ${serverId}: terminals only log in to a server configured with ${f.serverId}`;
    let record = await store.lots.get(f.lotId);
    if (!record) {
      try {
        record = await store.lots.create({ id: f.lotId, kid: f.kid, handshakeSuites: f.handshakeSuites, aeadSuites: f.aeadSuites, label: null, now: new Date() });
      } catch (err) {
        if (!(err instanceof TesseraError && err.code === 'lot.exists')) throw err;
        record = (await store.lots.get(f.lotId))!;
      }
    }
    if (record.kid !== f.kid || !sameList(record.handshakeSuites, f.handshakeSuites) || !sameList(record.aeadSuites, f.aeadSuites)) {
      throw new TesseraError('lot.bundle_invalid', `lot ${f.lotId} in the database has another key id or suite policy than the station file`);
    }
    return { store, lot: record, target, warning };
  } catch (err) {
    await store.close();
    throw sqliteInputError(opts, err);
  }
}
