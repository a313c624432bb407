// How admin commands find their server and token (src/cli/adminClient.ts), through the CLI
// spawned as an operator runs it: a --url or TESSERA_URL that is not an http(s) URL is an
// input error (exit 2) naming its source, and with no token given the server's data dir
// (TESSERA_DATA_DIR) supplies admin.token.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSettings } from '../../src/server/config/loadSettings.ts';
import { type RunningServer, startServer } from '../../src/server/startServer.ts';
import { deploymentEnv } from '../e2e/testServer.ts';
import { cleanEnv, runCli } from './runCli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-admin-'));
const at = (name: string) => join(dir, name);

describe('admin commands: server URL and admin token', () => {
  let server: RunningServer;
  let deployment: ReturnType<typeof deploymentEnv>;
  before(async () => {
    // No TESSERA_ADMIN_TOKEN: the server generates admin.token in its data dir.
    deployment = deploymentEnv('embedded');
    delete deployment.env['TESSERA_ADMIN_TOKEN'];
    server = await startServer(loadSettings(deployment.env), { logger: false });
  });
  after(async () => {
    await server.close();
    await deployment.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a --url or TESSERA_URL that does not parse or is not http(s) exits 2 naming where it came from', async () => {
    const token = { TESSERA_ADMIN_TOKEN: 'x'.repeat(43) };
    const cases: [string[], Record<string, string>, string][] = [
      [['--url', 'notaurl'], {}, '--url is not a valid URL; give the server\'s http:// or https:// URL'],
      [['--url', 'ftp://x'], {}, '--url must be an http:// or https:// URL, not ftp:'],
      [[], { TESSERA_URL: 'notaurl' }, 'TESSERA_URL is not a valid URL; give the server\'s http:// or https:// URL'],
      [[], { TESSERA_URL: 'ftp://x' }, 'TESSERA_URL must be an http:// or https:// URL, not ftp:'],
      [['--url', 'ftp://x'], { TESSERA_URL: server.url }, '--url must be an http:// or https:// URL, not ftp:'],
    ];
    for (const [flags, vars, message] of cases) {
      const r = await runCli(['terminal', 'list', ...flags], { env: cleanEnv({ ...token, ...vars }) });
      assert.deepEqual(r, { status: 2, stdout: '', stderr: `tessera: input.invalid: ${message}\n` }, `${flags.join(' ')} ${JSON.stringify(vars)}`);
    }
    // A bad URL is caught before anything is registered, and the credential file is not left behind.
    const add = await runCli(['terminal', 'add', '--id', 'T-bad-url', '--out', at('T-bad-url.json'), '--url', 'notaurl'], { env: cleanEnv(token) });
    assert.equal(add.status, 2);
    assert.match(add.stderr, /^tessera: input\.invalid: --url is not a valid URL/);
    assert.equal(existsSync(at('T-bad-url.json')), false);
    // --url wins over a bad TESSERA_URL.
    const dataDir = deployment.env['TESSERA_DATA_DIR']!;
    const good = await runCli(['terminal', 'show', 'T-none', '--url', server.url], { env: cleanEnv({ TESSERA_URL: 'ftp://x', TESSERA_DATA_DIR: dataDir }) });
    assert.equal(good.status, 1);
    assert.match(good.stderr, /^tessera: terminal\.not_found: /);
    // `terminal login --url` and `update check` (a terminal's commands, no admin token) check their URL the same way.
    const credential = { version: 1, terminalId: 'T-url', kid: 1, key: 'A'.repeat(43), serverId: 'tessera-0000000000000000', url: server.url, suites: ['hmac-sha256'] };
    writeFileSync(at('T-url.json'), JSON.stringify(credential), { mode: 0o600 });
    const login = await runCli(['terminal', 'login', '--credential', at('T-url.json'), '--url', 'ftp://x'], { env: cleanEnv({}) });
    assert.deepEqual(login, { status: 2, stdout: '', stderr: 'tessera: input.invalid: --url must be an http:// or https:// URL, not ftp:\n' });
    const check = await runCli(['update', 'check', '--public-key', 'A'.repeat(43), '--current', '1.0.0', '--url', 'ftp://x'], { env: cleanEnv({}) });
    assert.deepEqual(check, { status: 2, stdout: '', stderr: 'tessera: input.invalid: --url must be an http:// or https:// URL, not ftp:\n' });
  });

  test('with no token flag or variable, admin.token is read from TESSERA_DATA_DIR', async () => {
    const dataDir = deployment.env['TESSERA_DATA_DIR']!;
    assert.ok(readFileSync(join(dataDir, 'admin.token'), 'utf8').trim().length >= 32, 'the server wrote its token file');
    const env = cleanEnv({ TESSERA_URL: server.url, TESSERA_DATA_DIR: dataDir });
    const add = await runCli(['terminal', 'add', '--id', 'T-token-file', '--out', at('T-token-file.json')], { env });
    assert.equal(add.status, 0, add.stderr);
    const show = await runCli(['terminal', 'show', 'T-token-file'], { env });
    assert.equal(show.status, 0, show.stderr);
    assert.equal(JSON.parse(show.stdout).id, 'T-token-file');

    // Another data dir: no token file there, so no token at all (exit 2, nothing sent).
    const none = await runCli(['terminal', 'show', 'T-token-file'], { env: cleanEnv({ TESSERA_URL: server.url, TESSERA_DATA_DIR: at('empty') }) });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^tessera: input\.invalid: no admin token: pass --admin-token, set TESSERA_ADMIN_TOKEN/);
  });
});
