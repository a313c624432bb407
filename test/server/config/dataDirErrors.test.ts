// A data dir whose secret files are empty, short or unusable stops the start with a
// config.invalid that names the file and what to do, never with a raw errno or a silently
// weak or unusable secret; no message holds a secret.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { loadSettings } from '../../../src/server/config/loadSettings.ts';
import { DATA_FILES, resolveServerConfig } from '../../../src/server/config/serverConfig.ts';

/** A data dir made by a first start, for `fn` to spoil. */
function withDataDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-dd-'));
  try {
    resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir }));
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const refusal = (dir: string, message: string, secret?: string) => (err: unknown) =>
  isTesseraError(err, 'config.invalid') && err.message.includes(message) && (secret === undefined || !err.message.includes(secret)) && err.message.includes(dir);

test('an empty or short admin.token is refused (it left the admin API unreachable, or guarded by a weak token)', () =>
  withDataDir((dir) => {
    const path = join(dir, DATA_FILES.adminToken);
    for (const bad of ['', '\n', 'short-token\n', `${'x'.repeat(20)} ${'y'.repeat(20)}\n`]) {
      writeFileSync(path, bad);
      assert.throws(() => resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir })), refusal(path, 'must hold one token of at least 32 printable characters', bad.trim() || undefined), JSON.stringify(bad));
    }
  }));

test('an empty master.keys is refused naming the file', () =>
  withDataDir((dir) => {
    const path = join(dir, DATA_FILES.masterKeys);
    writeFileSync(path, '');
    assert.throws(() => resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir })), refusal(path, 'must be kid:base64url pairs'));
    assert.equal(readFileSync(path, 'utf8'), '', 'the file is left for the operator');
  }));

test('a data dir that is a file is config.invalid naming it, not a raw EEXIST', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-dd-'));
  try {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, '');
    assert.throws(() => resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: file })), refusal(file, 'cannot create the data dir'));
    assert.throws(() => resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: join(file, 'sub') })), refusal(file, 'cannot create the data dir'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a data dir writable by group or others is refused naming it and its mode (anyone there could swap the admin token)', { skip: process.platform === 'win32' }, () =>
  withDataDir((dir) => {
    for (const mode of [0o777, 0o770, 0o702, 0o720]) {
      chmodSync(dir, mode);
      assert.throws(() => resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir })), refusal(dir, `is writable by group or others (mode ${mode.toString(8)})`), mode.toString(8));
    }
    for (const mode of [0o700, 0o750, 0o755]) {
      chmodSync(dir, mode);
      assert.doesNotThrow(() => resolveServerConfig(loadSettings({ TESSERA_DATA_DIR: dir })), mode.toString(8));
    }
  }));
