// `tessera factory provision … --url`: pointed at a server, provision creates the lot when it
// has no station file yet, provisions, and registers the records through the admin API; a
// rerun continues and registers nothing twice. Without a station file or a server it says what to do.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './runCli.ts';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../e2e/testServer.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-provision-'));
const at = (name: string) => join(dir, name);

describe('tessera factory provision pointed at a server', () => {
  let server: TestServer;
  let env: NodeJS.ProcessEnv;
  /** Runs the CLI in the temp dir, so a default station file lands there. */
  const tessera = (...args: string[]) => runCli(args, { env, cwd: dir });
  before(async () => {
    server = await startTestServer();
    env = { ...process.env, TESSERA_ADMIN_TOKEN: server.env['TESSERA_ADMIN_TOKEN']! };
    delete env['TESSERA_URL'];
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('creates the lot, provisions and registers; a rerun registers nothing twice', async () => {
    const first = await tessera('factory', 'provision', '--lot', 'L-CLI-1', '--simulate', '5', '--out', 'lot', '--url', server.url);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /created lot L-CLI-1 on .*; station file written to station-L-CLI-1\.json/);
    assert.match(first.stdout, /registered on .*: 5 inserted, 0 already there/);
    assert.equal(statSync(at('station-L-CLI-1.json')).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(at('station-L-CLI-1.json'), 'utf8')).lotId, 'L-CLI-1');
    const listed = (await (await server.admin('GET', '/v1/admin/terminals?status=provisioned')).json()) as { terminals: { id: string; lotId: string }[] };
    assert.equal(listed.terminals.filter((t) => t.lotId === 'L-CLI-1').length, 5);

    const again = await tessera('factory', 'provision', '--lot', 'L-CLI-1', '--simulate', '5', '--out', 'lot', '--url', server.url, '--json');
    assert.equal(again.status, 0, again.stderr);
    const summary = JSON.parse(again.stdout.trim().split('\n').pop()!) as { added: number; imported: { inserted: number; skipped: number } };
    assert.deepEqual([summary.added, summary.imported.inserted, summary.imported.skipped], [0, 0, 5]);
  });

  test('without a station file and without a server it names both ways forward; two import targets are refused', async () => {
    const none = await tessera('factory', 'provision', '--lot', 'L-CLI-2', '--simulate', '2', '--out', 'lot2');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no station file station-L-CLI-2\.json: create the lot first .* or give --url/);
    assert.equal(existsSync(at('lot2')), false);
    const both = await tessera('factory', 'provision', '--lot', 'L-CLI-2', '--simulate', '2', '--out', 'lot2', '--url', server.url, '--sqlite', 'x.sqlite');
    assert.equal(both.status, 2);
    assert.match(both.stderr, /at most one of --database, --sqlite and --url/);
    assert.equal((await tessera('factory', 'provision', '--lot', 'L-CLI-2', '--simulate', '0', '--out', 'lot2', '--url', server.url)).status, 2, '--simulate 0');
  });
});
