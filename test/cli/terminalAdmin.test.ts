// `tessera terminal add | list | show | revoke | login` as an operator runs them against a real
// server: the CLI spawned through tsx, its output, files and exit codes checked.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './runCli.ts';
import { after, before, describe, test } from 'node:test';
import { fromBase64Url, toHex } from '../../src/protocol/bytes.ts';
import { parseCredential } from '../../src/protocol/credential.ts';
import { deriveOcraKey } from '../../src/protocol/handshake/ocraHandshakeSuite.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { parseOcraSuite } from '../../src/protocol/ocra/parseOcraSuite.ts';
import { startTestServer, type TestServer } from '../e2e/testServer.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-terminal-'));
const at = (name: string) => join(dir, name);

describe('tessera terminal (admin commands and login)', () => {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  const tessera = (...args: string[]) => runCli(args, { env });
  before(async () => {
    server = await startTestServer();
    env = { ...process.env, TESSERA_URL: server.url, TESSERA_ADMIN_TOKEN: server.env['TESSERA_ADMIN_TOKEN']! };
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('add writes a 0600 credential that logs in; list pages; revoke stops the login', async () => {
    const add = await tessera('terminal', 'add', '--id', 'T-cli-1', '--out', at('T-cli-1.json'));
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /^registered T-cli-1 \(kid 1\); credential written to /);
    assert.equal(statSync(at('T-cli-1.json')).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(at('T-cli-1.json'), 'utf8')).terminalId, 'T-cli-1');
    assert.equal((await tessera('terminal', 'add', '--id', 'T-cli-2', '--out', at('T-cli-2.json'))).status, 0);

    const login = await tessera('terminal', 'login', '--credential', at('T-cli-1.json'));
    assert.equal(login.status, 0, login.stderr);
    assert.match(login.stdout, /server proved itself; session \S+ \(hmac-sha256\) until \S+; capabilities: session, update/);

    const page = await tessera('terminal', 'list', '--limit', '1');
    assert.equal(page.status, 0);
    assert.equal(page.stdout.trim().split('\n').length, 1);
    assert.match(page.stderr, /more terminals follow: add --after T-cli-1/);
    const rest = await tessera('terminal', 'list', '--after', 'T-cli-1');
    assert.match(rest.stdout, /T-cli-2/);
    assert.equal(rest.stderr, '');

    assert.equal((await tessera('terminal', 'revoke', 'T-cli-1')).status, 0);
    const refused = await tessera('terminal', 'login', '--credential', at('T-cli-1.json'));
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /auth\.refused/);
  });

  test('add --out writes a 0600 file with every credential field; show prints the terminal', async () => {
    const add = await tessera('terminal', 'add', '--id', 'T-cli-full', '--label', 'till 4', '--suites', 'hmac-sm3,hmac-sha256', '--out', at('T-cli-full.json'));
    assert.equal(add.status, 0, add.stderr);
    assert.equal(statSync(at('T-cli-full.json')).mode & 0o777, 0o600);
    const written = JSON.parse(readFileSync(at('T-cli-full.json'), 'utf8'));
    const { key, ...rest } = written;
    assert.deepEqual(rest, { version: 1, terminalId: 'T-cli-full', kid: 1, serverId: server.config.serverId, url: server.url, suites: ['hmac-sm3', 'hmac-sha256'] });
    assert.equal(fromBase64Url(key).length, 32);
    assert.deepEqual(parseCredential(written), written, 'the SDK reads the file as written');

    const show = await tessera('terminal', 'show', 'T-cli-full');
    assert.equal(show.status, 0, show.stderr);
    assert.equal(show.stderr, '');
    const shown = JSON.parse(show.stdout);
    assert.deepEqual(
      { id: shown.id, status: shown.status, kid: shown.kid, suites: shown.suites, label: shown.label, revokedAt: shown.revokedAt, lotId: shown.lotId, hardwareBound: shown.hardwareBound },
      { id: 'T-cli-full', status: 'active', kid: 1, suites: ['hmac-sm3', 'hmac-sha256'], label: 'till 4', revokedAt: null, lotId: null, hardwareBound: false },
    );
    assert.equal(show.stdout.includes(key), false, 'show never prints the terminal key');
  });

  test('add registers nothing when the credential file cannot be created, and leaves no file when the server refuses', async () => {
    const unwritable = await tessera('terminal', 'add', '--id', 'T-cli-3', '--out', at('missing-dir/T-cli-3.json'));
    assert.equal(unwritable.status, 2);
    assert.match(unwritable.stderr, /cannot create .*missing-dir.* \(ENOENT\); nothing was registered/);
    const show = await tessera('terminal', 'show', 'T-cli-3');
    assert.equal(show.status, 1);
    assert.match(show.stderr, /terminal\.not_found/);
    assert.equal((await tessera('terminal', 'add', '--id', 'T-cli-3', '--out', at('T-cli-3.json'))).status, 0, 'the id is still free');

    const taken = await tessera('terminal', 'add', '--id', 'T-cli-3', '--out', at('again.json'));
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, /terminal\.exists/);
    assert.equal(existsSync(at('again.json')), false);
  });

  test('ocra-key derives the key an OATH token needs, of the suite hash length, into a new 0600 file', async () => {
    assert.equal((await tessera('terminal', 'add', '--id', 'T-cli-ocra', '--out', at('T-cli-ocra.json'))).status, 0);
    const credential = JSON.parse(readFileSync(at('T-cli-ocra.json'), 'utf8')) as { key: string };
    for (const [suite, bytes] of [['OCRA-1:HOTP-SHA256-8:QH64', 32], ['OCRA-1:HOTP-SHA512-8:QN64', 64], ['OCRA-1:HOTP-SHA1-6:QA32', 20]] as const) {
      const r = await tessera('terminal', 'ocra-key', '--credential', at('T-cli-ocra.json'), '--suite', suite);
      assert.equal(r.status, 0, r.stderr);
      const expected = toHex(deriveOcraKey(p, fromBase64Url(credential.key), parseOcraSuite(suite)));
      assert.equal(r.stdout, `${expected}\n`);
      assert.equal(expected.length, 2 * bytes);
    }
    const toFile = await tessera('terminal', 'ocra-key', '--credential', at('T-cli-ocra.json'), '--suite', 'OCRA-1:HOTP-SHA256-8:QH64', '--out', at('T-cli-ocra.key'));
    assert.equal(toFile.status, 0, toFile.stderr);
    assert.equal(toFile.stdout.includes(readFileSync(at('T-cli-ocra.key'), 'utf8').trim()), false, 'the key is not printed when written to a file');
    assert.equal(statSync(at('T-cli-ocra.key')).mode & 0o777, 0o600);
    assert.equal((await tessera('terminal', 'ocra-key', '--credential', at('T-cli-ocra.json'), '--suite', 'OCRA-1:HOTP-MD5-8:QH64')).status, 2, 'not a suite');
  });

  test('usage errors exit 2, asked-for help exits 0', async () => {
    assert.equal((await tessera()).status, 2, 'no command');
    assert.equal((await tessera('terminal')).status, 2, 'no subcommand');
    assert.equal((await tessera('terminal', 'add', '--id', 'x')).status, 2, 'missing --out');
    assert.equal((await tessera('--help')).status, 0);
    assert.equal((await tessera('terminal', '--help')).status, 0);
  });
});
