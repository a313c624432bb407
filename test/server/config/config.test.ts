// Settings validation, master-key ring parsing/rotation (and its current kid) and first-run
// secret files.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import { SETTINGS } from '../../../src/server/config/configSchema.ts';
import { loadSettings } from '../../../src/server/config/loadSettings.ts';
import { loadOrCreateKeyFile, parseMasterKeys, rotateKeyFile } from '../../../src/server/config/masterKeys.ts';
import { resolveServerConfig } from '../../../src/server/config/serverConfig.ts';
import { createBoundFactsHasher } from '../../../src/server/services/binding/boundFacts.ts';
import { createKeyedIdentifierHash } from '../../../src/server/services/keyedIdentifierHash.ts';

const KEY = (byte: number) => Buffer.alloc(32, byte).toString('base64url');

test('embedded defaults need no variable and are frozen', () => {
  const s = loadSettings({});
  assert.equal(s.port, 8080);
  assert.equal(s.host, '127.0.0.1');
  assert.equal(s.dataDir, './.tessera');
  assert.equal(s.databaseUrl, undefined);
  assert.equal(s.redisUrl, undefined);
  assert.deepEqual(s.suites, ['hmac-sha256', 'hmac-sm3']);
  assert.ok(Object.isFrozen(s));
  assert.ok(Object.isFrozen(s.suites), 'lists are frozen too');
  assert.throws(() => (s.suites as string[]).push('evil'), TypeError);
  assert.deepEqual(loadSettings({}).suites, ['hmac-sha256', 'hmac-sm3'], 'a later load gets the defaults untouched');
});

test('every bad value is reported at once, naming its variable and what is allowed', () => {
  assert.throws(
    () => loadSettings({ TESSERA_PORT: '70000', TESSERA_DATABASE_URL: 'mysql://x', TESSERA_CHALLENGE_TTL_SECONDS: '60', TESSERA_TRUST_PROXY: 'maybe' }),
    (err) => {
      assert.ok(isTesseraError(err, 'config.invalid'));
      assert.match(err.message, /TESSERA_PORT must be an integer from 0 to 65535/);
      assert.match(err.message, /TESSERA_DATABASE_URL must be a URL with scheme postgres or postgresql/);
      assert.match(err.message, /TESSERA_CHALLENGE_TTL_SECONDS must be an integer from 1 to 30/);
      assert.match(err.message, /TESSERA_TRUST_PROXY must be true or false/);
      return true;
    },
  );
});

test('every setting refuses garbage with its own variable name', () => {
  for (const def of Object.values(SETTINGS)) {
    if (def.env === 'TESSERA_DATA_DIR') continue; // any non-empty path is a valid directory name
    assert.throws(() => loadSettings({ [def.env]: '\u0000 not valid \u0000' }), (err) => isTesseraError(err, 'config.invalid') && err.message.includes(def.env), def.env);
  }
});

test('an integration URL is https (http only to loopback) and carries no user name or password', () => {
  for (const env of ['TESSERA_BINDING_SIM_SWAP_URL', 'TESSERA_BINDING_SMS_WEBHOOK_URL']) {
    const token = env.replace(/_URL$/, '_TOKEN');
    assert.equal(loadSettings({ [env]: 'https://api.operator.example/sim-swap/v2' })[env === 'TESSERA_BINDING_SIM_SWAP_URL' ? 'bindingSimSwapUrl' : 'bindingSmsWebhookUrl'], 'https://api.operator.example/sim-swap/v2');
    assert.throws(() => loadSettings({ [env]: 'http://api.operator.example/x' }), (err) => isTesseraError(err, 'config.invalid') && err.message.includes('http only to 127.0.0.1'), env);
    for (const url of ['https://user:pw-secret@api.operator.example/x', 'https://user@api.operator.example/x', 'http://:pw-secret@127.0.0.1:9/x']) {
      assert.throws(
        () => loadSettings({ [env]: url }),
        (err) => isTesseraError(err, 'config.invalid') && err.message.includes(`a URL without a user name or password (put the credential in ${token})`) && !err.message.includes('pw-secret'),
        `${env}=${url}`,
      );
    }
  }
});

test('TESSERA_PUBLIC_URL is an origin, kept in the canonical form credential files carry', () => {
  for (const [raw, want] of [
    ['https://tessera.example.com', 'https://tessera.example.com'],
    ['HTTPS://Tessera.Example.COM:443/', 'https://tessera.example.com'],
    ['http://10.0.0.5:80', 'http://10.0.0.5'],
    ['http://[::1]:8080/', 'http://[::1]:8080'],
  ]) {
    assert.equal(loadSettings({ TESSERA_PUBLIC_URL: raw! }).publicUrl, want, raw);
  }
  for (const raw of ['https://tessera.example.com/api', 'https://tessera.example.com/?x=1', 'https://tessera.example.com/#a', 'https://u:p@tessera.example.com', 'ftp://tessera.example.com']) {
    assert.throws(() => loadSettings({ TESSERA_PUBLIC_URL: raw }), (err) => isTesseraError(err, 'config.invalid') && err.message.includes('TESSERA_PUBLIC_URL'), raw);
  }
});

test('a config file is read and environment variables override it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cfg-'));
  const file = join(dir, 'tessera.json');
  writeFileSync(file, JSON.stringify({ port: 9000, host: '0.0.0.0', suites: ['hmac-sm3'] }));
  const s = loadSettings({ TESSERA_CONFIG_FILE: file, TESSERA_HOST: '127.0.0.2' });
  assert.equal(s.port, 9000);
  assert.equal(s.host, '127.0.0.2');
  assert.deepEqual(s.suites, ['hmac-sm3']);
  writeFileSync(file, JSON.stringify({ prot: 1 }));
  assert.throws(() => loadSettings({ TESSERA_CONFIG_FILE: file }), /unknown settings: prot/);
});

test('master keys: kid:base64url pairs, newest kid is current, old kids stay usable', () => {
  const ring = parseMasterKeys(`1:${KEY(1)},3:${KEY(3)}`);
  assert.equal(ring.current.kid, 3);
  assert.deepEqual([...ring.get(1)!], [...Buffer.alloc(32, 1)]);
  assert.equal(ring.get(2), undefined);
  assert.equal(parseMasterKeys(KEY(7)).current.kid, 1);
  for (const bad of ['', '1:short', `0:${KEY(1)}`, `1:${KEY(1)},1:${KEY(2)}`, `x:${KEY(1)}`]) {
    assert.throws(() => parseMasterKeys(bad), (err) => isTesseraError(err, 'config.invalid'), bad);
  }
});

test('first run creates 0600 master-key, admin-token and update-key files; rotation adds a kid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-first-'));
  const config = resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir }));
  assert.equal(config.created.length, 3);
  for (const f of ['master.keys', 'admin.token', 'update.key']) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600);
  assert.equal(config.updateKey.publicKey.length, 32);
  assert.ok(config.adminToken.length >= 32);
  assert.match(config.serverId, /^tessera-[0-9a-f]{16}$/);
  const again = resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir }));
  assert.equal(again.created.length, 0);
  assert.equal(again.serverId, config.serverId, 'server id is stable across restarts');
  assert.equal(again.adminToken, config.adminToken);
  assert.deepEqual(again.updateKey.publicKey, config.updateKey.publicKey, 'the update key survives restarts');
  // A temp file a crashed rotation of an older version left behind, readable by others, is
  // not reused (its mode would stay): the write makes a temp file of its own, and the
  // rotation removes the leftover copy of a ring.
  writeFileSync(join(dir, 'master.keys.tmp'), 'partial', { mode: 0o644 });
  const rotated = rotateKeyFile(join(dir, 'master.keys'));
  assert.equal(statSync(join(dir, 'master.keys')).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir).sort(), ['admin.token', 'master.keys', 'update.key'], 'no temp file or rotation lock is left');
  assert.deepEqual(rotated.kids, [1, 2]);
  assert.equal(rotated.current.kid, 2);
  assert.deepEqual([...rotated.get(1)!], [...config.masterKeys.get(1)!]);
  const after = resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir }));
  assert.equal(after.serverId, config.serverId, 'rotation keeps the server id');
  assert.match(readFileSync(join(dir, 'master.keys'), 'utf8'), /^1:[A-Za-z0-9_-]{43},2:[A-Za-z0-9_-]{43}\n$/);
});

test('TESSERA_MASTER_KEY_CURRENT picks the kid everything new is made under; unset, the highest kid', () => {
  const keys = `1:${KEY(1)},2:${KEY(2)}`;
  const config = (env: Record<string, string>) => resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-cur-')), TESSERA_MASTER_KEY: keys, ...env }));
  const staged = config({ TESSERA_MASTER_KEY_CURRENT: '1' }).masterKeys;
  assert.equal(staged.current.kid, 1);
  assert.deepEqual([...staged.current.key], [...Buffer.alloc(32, 1)]);
  assert.deepEqual(staged.kids, [1, 2], 'the newer key is still held, so what others made under it verifies');
  assert.deepEqual([...staged.get(2)!], [...Buffer.alloc(32, 2)]);
  // Code batches and binding identifiers take their kid from the ring's current key too.
  assert.equal(createKeyedIdentifierHash(nodePrimitives, staged, 'activation-code').currentKid, 1);
  assert.equal(createBoundFactsHasher(nodePrimitives, staged).currentKid, 1);
  assert.equal(config({ TESSERA_MASTER_KEY_CURRENT: '2' }).masterKeys.current.kid, 2);
  assert.equal(config({}).masterKeys.current.kid, 2, 'absent: the highest kid');
  assert.equal(loadSettings({}).masterKeyCurrent, undefined);
  assert.equal(loadSettings({ TESSERA_MASTER_KEY_CURRENT: ' 7 ' }).masterKeyCurrent, 7);
  for (const bad of ['0', 'x', '-1', '1.5']) {
    assert.throws(() => loadSettings({ TESSERA_MASTER_KEY_CURRENT: bad }), (err) => isTesseraError(err, 'config.invalid') && err.message.includes('TESSERA_MASTER_KEY_CURRENT must be an integer'), bad);
  }
});

test('TESSERA_MASTER_KEY_CURRENT naming a kid the ring lacks is a config error naming the variable and the kids present', () => {
  assert.throws(
    () => resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-cur-')), TESSERA_MASTER_KEY: `1:${KEY(1)},3:${KEY(3)}`, TESSERA_MASTER_KEY_CURRENT: '2' })),
    (err) => isTesseraError(err, 'config.invalid') && err.message === 'TESSERA_MASTER_KEY_CURRENT is 2 but the master keys (TESSERA_MASTER_KEY) hold kids 1, 3',
  );
  // The same for a key-file deployment, which names its file.
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cur-'));
  resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir }));
  rotateKeyFile(join(dir, 'master.keys'));
  assert.equal(resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir, TESSERA_MASTER_KEY_CURRENT: '1' })).masterKeys.current.kid, 1, 'a key file is staged the same way');
  assert.equal(resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir })).masterKeys.current.kid, 2);
  assert.throws(
    () => resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir, TESSERA_MASTER_KEY_CURRENT: '3' })),
    (err) => isTesseraError(err, 'config.invalid') && err.message === `TESSERA_MASTER_KEY_CURRENT is 3 but the master keys (${join(dir, 'master.keys')}) hold kids 1, 2`,
  );
});

test('a key file readable by others is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-perm-'));
  const file = join(dir, 'master.keys');
  loadOrCreateKeyFile(file);
  chmodSync(file, 0o644);
  assert.throws(() => loadOrCreateKeyFile(file), /chmod 600/);
});

test('each documented default is the default the parser falls back to', () => {
  const loaded = loadSettings({}) as unknown as Record<string, unknown>;
  for (const [name, def] of Object.entries(SETTINGS) as Array<[string, { env: string; defaultText: string; default: unknown }]>) {
    assert.deepEqual(loaded[name], def.default, `${def.env} (${name}) as loaded`);
    if (def.default === undefined) {
      // Unset by default: the docs say what happens instead, in parentheses.
      assert.match(def.defaultText, /^\(.+\)$/, `${def.env} (${name})`);
    } else {
      const actual = Array.isArray(def.default) ? def.default.join(',') : String(def.default);
      assert.equal(def.defaultText, actual, `${def.env} (${name})`);
    }
  }
});
