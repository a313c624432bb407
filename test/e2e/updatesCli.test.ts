// `tessera update publish|list|check` against a real server, with their exit codes (0 ok or
// no update, 1 refused, 2 usage), and the edges of the publish route: admin token first, the
// octet-stream body on that route only, the size limit, and manifest rules.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import { fileOf, otpImageFor, publishRaw, strangerKey } from './updateKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d));
    child.stderr.on('data', (d: Buffer) => void (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('tessera update (CLI) and the publish route', () => {
  let server: TestServer;
  let admin: string[];
  let key: string;
  const dir = mkdtempSync(join(tmpdir(), 'tessera-upd-'));
  const fw = join(dir, 'fw.bin');
  before(async () => {
    server = await startTestServer({ env: { TESSERA_UPDATE_MAX_BYTES: '200000' } });
    admin = ['--url', server.url, '--admin-token', server.env['TESSERA_ADMIN_TOKEN']!];
    key = toBase64Url(server.config.updateKey.publicKey);
    writeFileSync(fw, fileOf(150_000, 3));
  });
  after(() => server.close());

  test('publish, publish again (conflict), list', async () => {
    const out = await cli(['update', 'publish', ...admin, '--version', '1.2.3', '--file', fw, '--min-version', '1.0.0', '--lots', 'L-A,L-B']);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^published 1\.2\.3\t150000 B\tsha256:[0-9a-f]{64}\tmin 1\.0\.0\tlots L-A,L-B\t.*\tfw\.bin$/m);
    assert.match(out.stdout, new RegExp(`update key ${key}`));
    assert.match(out.stderr, /lot L-A is not known to the server/);
    const again = await cli(['update', 'publish', ...admin, '--version', '1.2.3', '--file', fw]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /update\.exists: version 1\.2\.3 is already published/);
    const list = await cli(['update', 'list', ...admin, '--json']);
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { updates: Array<{ manifest: { version: string } }> }).updates.map((u) => u.manifest.version), ['1.2.3']);
  });

  test('check: available (0), downloaded and identical (0), up to date (0), refused (1), usage (2)', async () => {
    const base = ['update', 'check', '--url', server.url, '--public-key', key];
    const available = await cli([...base, '--lot', 'L-A', '--current', '1.1.0', '--json']);
    assert.equal(available.status, 0, available.stderr);
    assert.equal(JSON.parse(available.stdout).verdict, 'available');
    const out = join(dir, 'got.bin');
    const got = await cli([...base, '--lot', 'L-B', '--current', '1.1.0', '--download', out]);
    assert.equal(got.status, 0, got.stderr);
    assert.match(got.stdout, /^downloaded: 1\.2\.3/);
    assert.deepEqual(readFileSync(out), readFileSync(fw));
    const current = await cli([...base, '--lot', 'L-A', '--current', '1.2.3']);
    assert.equal(current.status, 0);
    assert.match(current.stdout, /^up-to-date/);
    // The server answers "nothing" to a wrong lot; a terminal of no lot gets no lot-bound update.
    assert.match((await cli([...base, '--lot', 'L-C', '--current', '1.1.0'])).stdout, /^up-to-date/);
    const stranger = await cli(['update', 'check', '--url', server.url, '--public-key', strangerKey(), '--lot', 'L-A', '--current', '1.1.0']);
    assert.equal(stranger.status, 1);
    assert.match(stranger.stdout, /^refused: bad_signature/);
    const below = await cli([...base, '--lot', 'L-A', '--current', '0.9.0']);
    assert.match(below.stdout, /^up-to-date/, 'the server offers nothing a 0.9.0 terminal may install');
    assert.equal((await cli([...base, '--otp', fw, '--current', '1.0.0'])).status, 2, '--otp and --public-key together');
    assert.equal((await cli([...base, '--current', 'v1'])).status, 2);
  });

  test('check --otp: a restricted terminal\'s image gives the URL, the lot and the key', async () => {
    const otp = join(dir, 'T-1.otp');
    writeFileSync(otp, otpImageFor(server, 'T-1', 'L-B', 'somewhere-else'));
    const run = await cli(['update', 'check', '--otp', otp, '--current', '1.0.0', '--json']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).manifest.version, '1.2.3');
    const damaged = readFileSync(otp);
    damaged[20]! ^= 1;
    writeFileSync(otp, damaged);
    const bad = await cli(['update', 'check', '--otp', otp, '--current', '1.0.0']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /otp\.image_corrupt/);
  });

  test('the publish route: token before body, octet-stream only there, size limit, manifest rules', async () => {
    const code = async (res: Response) => ({ status: res.status, code: ((await res.json()) as { code: string }).code });
    assert.deepEqual(await code(await publishRaw(server, '5.0.0', fileOf(10), { token: null })), { status: 401, code: 'admin.unauthorized' });
    assert.deepEqual(await code(await publishRaw(server, '5.0.0', fileOf(10), { contentType: 'application/json' })), { status: 415, code: 'input.unsupported_media_type' });
    assert.deepEqual(await code(await publishRaw(server, '5.0.0', fileOf(200_001))), { status: 413, code: 'input.body_too_large' });
    assert.deepEqual(await code(await publishRaw(server, '5.0.0', new Uint8Array(0))), { status: 400, code: 'input.invalid' });
    assert.deepEqual(await code(await publishRaw(server, '05.0.0', fileOf(10))), { status: 400, code: 'input.invalid' });
    assert.deepEqual(await code(await publishRaw(server, '5.0.0', fileOf(10), { minVersion: '5.0.0' })), { status: 400, code: 'input.invalid' });
    assert.deepEqual(await code(await publishRaw(server, '5.0.0', fileOf(10), { lots: 'L-1,,L-2' })), { status: 400, code: 'input.invalid' });
    assert.deepEqual(await code(await publishRaw(server, '5.0.0', fileOf(10), { fileName: '../etc/passwd' })), { status: 400, code: 'input.invalid' });
    // Every other route still takes JSON only, and the default body limit.
    const elsewhere = await fetch(`${server.url}/v1/admin/terminals`, { method: 'POST', headers: { authorization: `Bearer ${server.env['TESSERA_ADMIN_TOKEN']}`, 'content-type': 'application/octet-stream' }, body: fileOf(10) });
    assert.deepEqual(await code(elsewhere), { status: 415, code: 'input.unsupported_media_type' });
    const hello = await fetch(`${server.url}/v1/auth/hello`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: fileOf(10) });
    assert.equal(hello.status, 415);
    assert.equal((await (await server.admin('GET', '/v1/admin/updates?limit=1')).json() as { updates: unknown[] }).updates.length, 1, 'nothing refused was stored');
  });
});
