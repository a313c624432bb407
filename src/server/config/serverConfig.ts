// The server's complete configuration: validated settings plus the secrets they point to
// (master keys, admin token) and values derived from them (server id, paths).
import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toHex, utf8 } from '../../protocol/bytes.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { nodePrimitives } from '../../protocol/nodePrimitives.ts';
import { BEARER_TOKEN, type Settings } from './configSchema.ts';
import { loadOrCreateKeyFile, type MasterKeyRing, parseMasterKeys, withCurrentKid } from './masterKeys.ts';
import { loadOrCreateSecretFile } from './secretFile.ts';
import { loadOrCreateUpdateKeyFile, parseUpdateKey, type UpdateKey } from './updateKey.ts';

/** Everything the server needs to start. Frozen. */
export interface ServerConfig {
  readonly settings: Readonly<Settings>;
  readonly dataDir: string;
  readonly sqlitePath: string;
  readonly masterKeys: MasterKeyRing;
  readonly adminToken: string;
  /**
   * TESSERA_SERVER_ID, else the id derived from the ring. buildApp replaces it with the
   * deployment's stored id (durableServerId.ts), which is what handshakes use.
   */
  readonly serverId: string;
  /** Signs update manifests; its public half goes into lots and OTP images. */
  readonly updateKey: UpdateKey;
  /** Files created on this start (for the first-run message). */
  readonly created: readonly string[];
}

/** File names inside the data dir. */
export const DATA_FILES = Object.freeze({ sqlite: 'tessera.sqlite', masterKeys: 'master.keys', adminToken: 'admin.token', updateKey: 'update.key' });

function loadOrCreateToken(path: string): { token: string; created: boolean } {
  const { text, created } = loadOrCreateSecretFile(path, 'admin token', () => `${randomBytes(32).toString('base64url')}\n`);
  const token = text.trim();
  // An empty file (a crash while an older version wrote it) left the admin API unreachable,
  // a short one guarded it with a token TESSERA_ADMIN_TOKEN would refuse.
  if (!BEARER_TOKEN.test(token)) {
    throw new TesseraError('config.invalid', `admin token file ${path} must hold one token of at least 32 printable characters (remove the file to have one made at the next start)`);
  }
  return { token, created };
}

/**
 * The server id derived from the lowest kid of the ring: what the first start stores
 * (durableServerId.ts), after which the stored id is used whatever the ring holds.
 */
export function deriveServerId(ring: MasterKeyRing): string {
  const first = ring.get(ring.kids[0]!)!;
  return `tessera-${toHex(nodePrimitives.hkdf('sha256', first, new Uint8Array(), utf8('tessera/1/server-id'), 8))}`;
}

/**
 * Refuses a data dir that group or others may write: whoever can write there can put an
 * admin token of their own, or a key file, in place of the server's (each file's 0600 mode
 * is the mode its writer chose).
 */
function refuseWritableByOthers(dataDir: string): void {
  if (process.platform === 'win32') return;
  const mode = statSync(dataDir).mode & 0o777;
  if ((mode & 0o022) !== 0) {
    throw new TesseraError(
      'config.invalid',
      `the data dir ${dataDir} is writable by group or others (mode ${mode.toString(8).padStart(3, '0')}): they could replace its admin token or keys (chmod go-w ${dataDir})`,
    );
  }
}

/** Resolves secrets (creating key and token files on first run) and freezes the result. */
export function resolveServerConfig(settings: Readonly<Settings>): ServerConfig {
  const dataDir = resolve(settings.dataDir);
  const created: string[] = [];
  const needsDir = !settings.masterKey || !settings.adminToken || !settings.updateKey || !settings.databaseUrl;
  if (needsDir) {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new TesseraError('config.invalid', `cannot create the data dir ${dataDir} (${(err as NodeJS.ErrnoException).code ?? 'error'}); check TESSERA_DATA_DIR`, { cause: err });
    }
    refuseWritableByOthers(dataDir);
  }
  let masterKeys: MasterKeyRing;
  if (settings.masterKey) {
    masterKeys = withCurrentKid(parseMasterKeys(settings.masterKey), settings.masterKeyCurrent, 'TESSERA_MASTER_KEY');
  } else {
    const path = join(dataDir, DATA_FILES.masterKeys);
    const file = loadOrCreateKeyFile(path);
    if (file.created) created.push(path);
    masterKeys = withCurrentKid(file.ring, settings.masterKeyCurrent, path);
  }
  let adminToken = settings.adminToken;
  if (!adminToken) {
    const file = loadOrCreateToken(join(dataDir, DATA_FILES.adminToken));
    adminToken = file.token;
    if (file.created) created.push(join(dataDir, DATA_FILES.adminToken));
  }
  let updateKey: UpdateKey;
  if (settings.updateKey) {
    updateKey = parseUpdateKey(settings.updateKey);
  } else {
    const file = loadOrCreateUpdateKeyFile(join(dataDir, DATA_FILES.updateKey));
    updateKey = file.key;
    if (file.created) created.push(join(dataDir, DATA_FILES.updateKey));
  }
  return Object.freeze({
    settings,
    updateKey,
    dataDir,
    sqlitePath: join(dataDir, DATA_FILES.sqlite),
    masterKeys,
    adminToken,
    serverId: settings.serverId ?? deriveServerId(masterKeys),
    created: Object.freeze(created),
  });
}
