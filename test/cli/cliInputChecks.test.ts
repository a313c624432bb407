// Input checks of the CLI found by a black-box review, through the CLI spawned as an operator
// runs it against a stand-in HTTP server that records every request: a server URL with user
// info, a query, a fragment or a path is refused (exit 2) without echoing the user info; a
// malformed `terminal bind --code` is refused before anything is registered; a SIM file that
// is not a JSON object is an input error; empty flag values are refused, not taken as absent;
// `update check --download` checks its path before downloading; `update list` and `binding
// list` say in text mode that more pages follow, as `terminal list` does.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { sendJson } from '../../src/terminal/httpTransport.ts';
import { cleanEnv, runCli } from './runCli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-checks-'));
const at = (name: string) => join(dir, name);
const token = 'x'.repeat(43);
const publicKey = 'A'.repeat(43);

describe('CLI input checks', () => {
  let server: Server;
  let url: string;
  const requests: string[] = [];
  /** Canned JSON answers by path (without the query); anything else is a 404 problem. */
  const answers: Record<string, unknown> = {
    '/v1/admin/updates': { updates: [], next: '1.2.3', publicKey },
    '/v1/admin/bindings': { bindings: [], next: 'B-01JNEXTPAGE' },
  };
  before(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const body = answers[(req.url ?? '').split('?')[0]!];
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': body === undefined ? 'application/problem+json' : 'application/json' });
      res.end(JSON.stringify(body ?? { code: 'input.not_found', title: 'not found' }));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const credential = { version: 1, terminalId: 'T-checks', kid: 1, key: 'A'.repeat(43), serverId: 'tessera-0000000000000000', url, suites: ['hmac-sha256'] };
    writeFileSync(at('T-checks.json'), JSON.stringify(credential), { mode: 0o600 });
    writeFileSync(at('sim.json'), JSON.stringify({ iccid: '8944110068256270054', imsi: '234150123456789', seSerial: 'SE-1' }));
  });
  after(async () => {
    await new Promise((ok) => server.close(ok));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a server URL with user info, a query, a fragment or a path exits 2 naming its source, never echoing the user info', async () => {
    const port = (server.address() as AddressInfo).port;
    const userInfo = `http://u:SECRETPW@127.0.0.1:${port}`;
    const userInfoMessage = (source: string) => `${source} must not hold a user name or password (user:password@); give only the server's http(s)://host[:port]`;
    const cases: [string[], Record<string, string>, string][] = [
      [['terminal', 'list', '--url', userInfo, '--admin-token', token], {}, userInfoMessage('--url')],
      [['terminal', 'list', '--admin-token', token], { TESSERA_URL: userInfo }, userInfoMessage('TESSERA_URL')],
      [['terminal', 'list', '--admin-token', token], { TESSERA_URL: `http://SECRETPW@127.0.0.1:${port}` }, userInfoMessage('TESSERA_URL')],
      [['terminal', 'login', '--credential', at('T-checks.json'), '--url', userInfo], {}, userInfoMessage('--url')],
      [['update', 'check', '--public-key', publicKey, '--current', '1.0.0', '--url', userInfo], {}, userInfoMessage('--url')],
      [['terminal', 'list', '--url', `${url}/?SECRETPW`, '--admin-token', token], {}, '--url must not hold a query (?…) or fragment (#…); give only the server\'s http(s)://host[:port]'],
      [['terminal', 'list', '--url', `${url}#SECRETPW`, '--admin-token', token], {}, '--url must not hold a query (?…) or fragment (#…); give only the server\'s http(s)://host[:port]'],
      [['terminal', 'list', '--url', `${url}?`, '--admin-token', token], {}, '--url must not hold a query (?…) or fragment (#…); give only the server\'s http(s)://host[:port]'],
      [['terminal', 'list', '--url', `${url}/api`, '--admin-token', token], {}, '--url must not hold a path; give only the server\'s http(s)://host[:port]'],
    ];
    for (const [args, vars, message] of cases) {
      const r = await runCli(args, { env: cleanEnv(vars) });
      assert.deepEqual(r, { status: 2, stdout: '', stderr: `tessera: input.invalid: ${message}\n` }, `${args.join(' ')} ${JSON.stringify(vars)}`);
    }
    // The server's URL with or without a trailing slash is still fine.
    for (const u of [url, `${url}/`]) {
      const r = await runCli(['update', 'list', '--url', u, '--admin-token', token, '--json'], { env: cleanEnv() });
      assert.equal(r.status, 0, r.stderr);
    }
    assert.equal(requests.filter((r) => !r.startsWith('GET /v1/admin/updates')).length, 0, 'nothing else was sent');
  });

  test('a network error never echoes the user info of the URL', async () => {
    const failing = (u: string) => Promise.reject(new TypeError(`Request cannot be constructed from a URL that includes credentials: ${u}`));
    await assert.rejects(sendJson(failing, 'http://u:SECRETPW@127.0.0.1:1/v1/x', 'GET', {}, undefined, { timeoutMs: 1000 }), (err: unknown) => {
      assert.ok(isTesseraError(err, 'client.network'));
      assert.doesNotMatch((err as Error).message, /SECRETPW|u:/);
      assert.match((err as Error).message, /^could not reach http:\/\/127\.0\.0\.1:1: /);
      return true;
    });
  });

  test('terminal bind refuses a malformed --code before registering anything', async () => {
    const before = requests.length;
    for (const code of ['abc', '12345', '123456789', '12 34 56']) {
      const r = await runCli(['terminal', 'bind', '--credential', at('T-checks.json'), '--sim', at('sim.json'), '--msisdn', '+447400123456', '--code', code], { env: cleanEnv() });
      assert.deepEqual(r, { status: 2, stdout: '', stderr: 'tessera: input.invalid: --code must be the 6 to 8 digits of the SMS\n' }, code);
    }
    assert.equal(requests.length, before, 'nothing was sent to the server');
  });

  test('a --sim file that is not a JSON object exits 2 naming the file', async () => {
    for (const [name, content] of [['null.json', 'null'], ['array.json', '[]'], ['number.json', '7']] as const) {
      writeFileSync(at(name), content);
      const expected = `tessera: input.invalid: ${at(name)} must hold {"iccid", "imsi", "seSerial", optional "msisdn"} as strings\n`;
      const bind = await runCli(['terminal', 'bind', '--credential', at('T-checks.json'), '--sim', at(name), '--msisdn', '+447400123456', '--code', '123456'], { env: cleanEnv() });
      assert.deepEqual(bind, { status: 2, stdout: '', stderr: expected }, `bind ${content}`);
      const activate = await runCli(['terminal', 'activate', '--credential', at('T-checks.json'), '--sim', at(name), '--code', '7Q2M-K9XD-0PAV-3RTE-X'], { env: cleanEnv() });
      assert.deepEqual(activate, { status: 2, stdout: '', stderr: expected }, `activate ${content}`);
    }
  });

  test('empty --admin-token, codes list --batch and update check --download exit 2 naming the flag', async () => {
    // A data dir holding a token: an empty --admin-token must not fall back to it.
    mkdirSync(at('data'), { mode: 0o700 });
    writeFileSync(at('data/admin.token'), token);
    const before = requests.length;
    const token0 = await runCli(['update', 'list', '--url', url, '--admin-token', ''], { env: cleanEnv({ TESSERA_DATA_DIR: at('data') }) });
    assert.deepEqual(token0, { status: 2, stdout: '', stderr: 'tessera: input.invalid: --admin-token is empty; give the admin token\n' });
    const batch = await runCli(['codes', 'list', '--url', url, '--admin-token', token, '--batch', ''], { env: cleanEnv() });
    assert.deepEqual(batch, { status: 2, stdout: '', stderr: 'tessera: input.invalid: --batch is empty; give a batch name, or leave --batch out to list every batch\n' });
    const download = await runCli(['update', 'check', '--public-key', publicKey, '--current', '1.0.0', '--url', url, '--download', ''], { env: cleanEnv() });
    assert.deepEqual(download, { status: 2, stdout: '', stderr: 'tessera: input.invalid: --download is empty; give the file to write the update to\n' });
    assert.equal(requests.length, before, 'nothing was sent to the server');
  });

  test('update check --download refuses a missing directory, a directory and an existing file before downloading', async () => {
    writeFileSync(at('fw.bin'), 'keep me');
    const before = requests.length;
    const cases: [string, string][] = [
      [at('missing/fw.bin'), `cannot write ${at('missing/fw.bin')}: its directory ${at('missing')} does not exist`],
      [at('sim.json/fw.bin'), `cannot write ${at('sim.json/fw.bin')}: ${at('sim.json')} is not a directory`],
      [dir, `${dir} is a directory; give a file name for the update`],
      [at('fw.bin'), `${at('fw.bin')} exists; choose a new file`],
    ];
    for (const [out, message] of cases) {
      const r = await runCli(['update', 'check', '--public-key', publicKey, '--current', '1.0.0', '--url', url, '--download', out], { env: cleanEnv() });
      assert.deepEqual(r, { status: 2, stdout: '', stderr: `tessera: input.invalid: --download: ${message}\n` }, out);
    }
    assert.equal(readFileSync(at('fw.bin'), 'utf8'), 'keep me');
    assert.equal(requests.length, before, 'nothing was asked of the server');
  });

  test('update list and binding list say in text mode that more pages follow, as terminal list does', async () => {
    const updates = await runCli(['update', 'list', '--url', url, '--admin-token', token, '--limit', '1'], { env: cleanEnv() });
    assert.deepEqual(updates, { status: 0, stdout: '', stderr: 'tessera: warning: more updates follow: add --before 1.2.3\n' });
    const bindings = await runCli(['binding', 'list', '--url', url, '--admin-token', token, '--limit', '1'], { env: cleanEnv() });
    assert.deepEqual(bindings, { status: 0, stdout: '', stderr: 'tessera: warning: more bindings follow: add --before B-01JNEXTPAGE\n' });
    // --json carries the cursor in its `next`, and says nothing on stderr.
    const json = await runCli(['update', 'list', '--url', url, '--admin-token', token, '--limit', '1', '--json'], { env: cleanEnv() });
    assert.equal(json.stderr, '');
    assert.equal(JSON.parse(json.stdout).next, '1.2.3');
  });
});
