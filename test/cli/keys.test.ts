// `tessera keys rotate` on an embedded deployment's data dir: what it prints and writes, that
// a server started afterwards gives new terminals the new kid while terminals of the old one
// keep logging in, and that two rotations at once lose no key (keyFileRotation.test.ts races
// many).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TerminalCredential } from '../../src/protocol/credential.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { loadSettings } from '../../src/server/config/loadSettings.ts';
import { loadOrCreateKeyFile, parseMasterKeys } from '../../src/server/config/masterKeys.ts';
import { type RunningServer, startServer } from '../../src/server/startServer.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { deploymentEnv } from '../e2e/testServer.ts';
import { cleanEnv, runCli } from './runCli.ts';

describe('tessera keys generate', () => {
  test('prints a fresh 32-byte base64url key, or a kid:key pair the server accepts', async () => {
    const [a, b] = await Promise.all([runCli(['keys', 'generate'], { env: cleanEnv() }), runCli(['keys', 'generate'], { env: cleanEnv() })]);
    for (const r of [a, b]) assert.match(r.stdout, /^[A-Za-z0-9_-]{43}\n$/);
    assert.equal(a.status, 0);
    assert.notEqual(a.stdout, b.stdout);
    const one = await runCli(['keys', 'generate', '--kid', '1'], { env: cleanEnv() });
    const two = await runCli(['keys', 'generate', '--kid', '2'], { env: cleanEnv() });
    assert.match(one.stdout, /^1:[A-Za-z0-9_-]{43}\n$/);
    const ring = parseMasterKeys(`${one.stdout.trim()},${two.stdout.trim()}`);
    assert.deepEqual([ring.kids, ring.current.kid], [[1, 2], 2]);
    assert.deepEqual(loadSettings(cleanEnv({ TESSERA_UPDATE_KEY: a.stdout.trim() })).updateKey, a.stdout.trim());
  });

  test('a --kid that is not a positive integer is an input error (exit 2)', async () => {
    for (const kid of ['0', '-1', '1.5', 'x', '1000000000']) {
      const r = await runCli(['keys', 'generate', '--kid', kid], { env: cleanEnv() });
      assert.equal(r.status, 2, kid);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^tessera: input\.invalid: --kid must be an integer from 1 to 999999999/, kid);
    }
  });
});

describe('tessera keys rotate', () => {
  // No TESSERA_MASTER_KEY: the server keeps its ring in the data dir's master.keys.
  const deployment = deploymentEnv('embedded');
  delete deployment.env['TESSERA_MASTER_KEY'];
  const dataDir = deployment.env['TESSERA_DATA_DIR']!;
  const keyFile = join(dataDir, 'master.keys');
  const servers: RunningServer[] = [];
  const serve = async () => {
    servers.push(await startServer(loadSettings(deployment.env), { logger: false }));
    return servers.at(-1)!;
  };
  const addTerminal = async (server: RunningServer, id: string) => {
    const res = await fetch(`${server.url}/v1/admin/terminals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${deployment.env['TESSERA_ADMIN_TOKEN']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    assert.equal(res.status, 201);
    return ((await res.json()) as { credential: TerminalCredential }).credential;
  };
  const login = (server: RunningServer, credential: TerminalCredential) => new TerminalClient({ credential, primitives: nodePrimitives, url: server.url }).login();

  let old: TerminalCredential;
  let firstServerId: string;
  before(async () => {
    const first = await serve();
    firstServerId = first.config.serverId;
    old = await addTerminal(first, 'T-keys-1');
    assert.equal(old.kid, 1);
    await first.close();
  });
  after(async () => {
    for (const server of servers) await server.close().catch(() => {});
    await deployment.cleanup();
  });

  test('rotate adds kid 2 to the 0600 key file, keeping kid 1; the next server issues kid 2 and still logs kid-1 terminals in', async () => {
    const ring1 = readFileSync(keyFile, 'utf8').trim();
    assert.match(ring1, /^1:[A-Za-z0-9_-]{43}$/);
    const r = await runCli(['keys', 'rotate', '--data-dir', dataDir], { env: cleanEnv() });
    assert.deepEqual(r, { status: 0, stdout: 'master key kid 2 added; kids now 1, 2\n', stderr: '' });
    const ring12 = readFileSync(keyFile, 'utf8');
    assert.match(ring12, /^1:[A-Za-z0-9_-]{43},2:[A-Za-z0-9_-]{43}\n$/);
    assert.ok(ring12.startsWith(`${ring1},`), 'kid 1 is kept as it was');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);

    const second = await serve();
    assert.equal(second.config.serverId, firstServerId);
    const fresh = await addTerminal(second, 'T-keys-2');
    assert.equal(fresh.kid, 2);
    await login(second, fresh);
    await login(second, old);
    await second.close();
  });

  test('rotate reads TESSERA_DATA_DIR when --data-dir is absent', async () => {
    const r = await runCli(['keys', 'rotate'], { env: cleanEnv({ TESSERA_DATA_DIR: dataDir }) });
    assert.deepEqual(r, { status: 0, stdout: 'master key kid 3 added; kids now 1, 2, 3\n', stderr: '' });
    const third = await serve();
    assert.equal((await addTerminal(third, 'T-keys-3')).kid, 3);
    await third.close();
  });

  test('a damaged key file is an input error (exit 2) and is left as it was', async () => {
    const damaged = join(dataDir, 'damaged');
    mkdirSync(damaged, { mode: 0o700 });
    writeFileSync(join(damaged, 'master.keys'), '1:not-a-key\n', { mode: 0o600 });
    const r = await runCli(['keys', 'rotate', '--data-dir', damaged], { env: cleanEnv() });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^tessera: config\.invalid: .*master\.keys must be kid:base64url pairs/);
    assert.equal(readFileSync(join(damaged, 'master.keys'), 'utf8'), '1:not-a-key\n');
  });

  test('two rotations at once: both kids are added, or one is refused by the lock (exit 2); no key is lost', async () => {
    const dir = join(dataDir, 'concurrent');
    mkdirSync(dir, { mode: 0o700 });
    const file = join(dir, 'master.keys');
    const kid1 = loadOrCreateKeyFile(file).ring.get(1)!;
    const runs = await Promise.all([1, 2].map(() => runCli(['keys', 'rotate', '--data-dir', dir], { env: cleanEnv() })));
    const added: number[] = [];
    for (const r of runs) {
      if (r.status === 0) {
        const m = /^master key kid (\d+) added; kids now [\d, ]+\n$/.exec(r.stdout);
        assert.ok(m, r.stdout);
        assert.equal(r.stderr, '');
        added.push(Number(m[1]));
      } else {
        assert.deepEqual(r, { status: 2, stdout: '', stderr: `tessera: input.invalid: another rotation is in progress (lock file ${file}.lock); remove it if no rotation is running\n` });
      }
    }
    const ring = loadOrCreateKeyFile(file).ring;
    assert.deepEqual(ring.kids, [1, ...added.sort()], 'the file holds kid 1 and each kid a run reported');
    assert.deepEqual([...ring.get(1)!], [...kid1]);
    assert.deepEqual(readdirSync(dir), ['master.keys'], 'no temp file or lock is left');
  });

  test('a data dir without a key file (a mistyped one) is an input error and gets no new ring', async () => {
    const mistyped = join(dataDir, 'no-such-deployment');
    const r = await runCli(['keys', 'rotate', '--data-dir', mistyped], { env: cleanEnv() });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^tessera: input\.invalid: no master-key file at .*no-such-deployment\/master\.keys/);
    assert.equal(existsSync(mistyped), false);
  });
});
