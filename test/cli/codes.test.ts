// `tessera codes issue|list|revoke` and `tessera terminal activate` end to end: the CLI runs
// as a child process (through tsx) against a real server on port 0, as an operator would.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './runCli.ts';
import { after, before, describe, test } from 'node:test';
import { parseActivationCode } from '../../src/protocol/activation/activationCode.ts';
import { provisionTerminals } from '../e2e/activationKit.ts';
import { startTestServer, type TestServer } from '../e2e/testServer.ts';


describe('tessera codes and terminal activate', () => {
  let server: TestServer;
  let dir: string;
  const run = (...args: string[]) => runCli(args, { env: { ...process.env, TESSERA_URL: server.url, TESSERA_ADMIN_TOKEN: server.env['TESSERA_ADMIN_TOKEN']! } });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-codes-cli-'));
    server = await startTestServer({ env: { TESSERA_ACTIVATION_REQUIRES_BINDING: 'false' } });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('issue writes a 0600 CSV with a header, refuses to overwrite, and list shows counts', async () => {
    const out = join(dir, 'codes.csv');
    const r = await run('codes', 'issue', '--batch', 'B-cli', '--count', '30', '--product', 'basic-12m', '--out', out, '--expires', '2099-01-01');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^issued 30 codes in batch B-cli \(product basic-12m, expire 2099-01-01T00:00:00\.000Z\); written to /);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'code,batch,product,expires_at');
    assert.equal(lines.length, 31);
    for (const line of lines.slice(1)) {
      const [code, batch, product, expiresAt] = line.split(',');
      assert.equal(parseActivationCode(code!).text, code);
      assert.deepEqual([batch, product, expiresAt], ['B-cli', 'basic-12m', '2099-01-01T00:00:00.000Z']);
    }

    const before = readFileSync(out, 'utf8');
    const again = await run('codes', 'issue', '--batch', 'B-cli-2', '--count', '5', '--product', 'basic-12m', '--out', out);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /exists; codes are shown only once/);
    assert.equal(readFileSync(out, 'utf8'), before, 'the file is untouched');
    assert.equal((await run('codes', 'list', '--batch', 'B-cli-2')).status, 1, 'nothing was issued');

    const list = await run('codes', 'list');
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /^B-cli\tbasic-12m\tissued=30\tused=0\trevoked=0\texpired=0\ttotal=30\texpires 2099-01-01T00:00:00\.000Z$/m);
  });

  test('a refused issue leaves no file behind', async () => {
    const out = join(dir, 'dup.csv');
    const r = await run('codes', 'issue', '--batch', 'B-cli', '--count', '1', '--product', 'p', '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /activation\.batch_exists/);
    assert.equal(existsSync(out), false);
  });

  test('terminal activate spends a code; typing errors exit 2; revoke revokes the rest', async () => {
    const out = join(dir, 'act.csv');
    assert.equal((await run('codes', 'issue', '--batch', 'B-act', '--count', '3', '--product', 'gold', '--out', out)).status, 0);
    const [code] = readFileSync(out, 'utf8').split('\n')[1]!.split(',');
    const [credential] = await provisionTerminals(server, ['T-cli-1']);
    const file = join(dir, 'T-cli-1.json');
    writeFileSync(file, JSON.stringify(credential), { mode: 0o600 });

    const typo = `${code!.slice(0, -1)}${code!.endsWith('0') ? '1' : '0'}`;
    const bad = await run('terminal', 'activate', '--credential', file, '--code', typo);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^tessera: activation\.code_mistyped: /);

    const ok = await run('terminal', 'activate', '--credential', file, '--code', code!.toLowerCase(), '--json');
    assert.equal(ok.status, 0, ok.stderr);
    const view = JSON.parse(ok.stdout) as Record<string, unknown>;
    assert.equal(view['status'], 'active');
    assert.equal(view['product'], 'gold');
    assert.deepEqual(view['capabilities'], ['session', 'update']);

    const revoke = await run('codes', 'revoke', '--batch', 'B-act');
    assert.equal(revoke.status, 0, revoke.stderr);
    assert.match(revoke.stdout, /^revoked 2 unused codes of batch B-act$/m);
    assert.match(revoke.stdout, /issued=0\tused=1\trevoked=2/);

    const used = await run('codes', 'used', '--batch', 'B-act');
    assert.equal(used.status, 0, used.stderr);
    assert.equal(used.stdout, `T-cli-1\t${view['activatedAt']}\n`);
    assert.equal((await run('codes', 'used', '--batch', 'B-none')).status, 1);
  });
});
