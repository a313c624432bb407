// The binding admin API and CLI against a real server: list (by terminal, status, number;
// paged), show, suspend, release; `tessera terminal bind` with the code typed at the prompt,
// `tessera terminal secure-echo`, and the exit codes 0/1/2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bind, codeFromOutbox, facts, msisdn, newTerminal, refusedWith, startBindingServer } from './bindingKit.ts';
import type { TestServer } from './testServer.ts';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in a child process; `onStderr` may answer prompts through `write`. */
function cli(args: string[], onStderr?: (text: string, write: (s: string) => void) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      onStderr?.(stderr, (s) => child.stdin.write(s));
    });
    if (!onStderr) child.stdin.end();
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('binding administration', () => {
  let server: TestServer & { outbox: string };
  let admin: string[];
  before(async () => {
    server = await startBindingServer();
    admin = ['--url', server.url, '--admin-token', server.env['TESSERA_ADMIN_TOKEN']!];
  });
  after(() => server.close());

  const json = async (method: string, path: string) => {
    const res = await server.admin(method, path);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { code?: string } };
  };

  test('admin API: list, filter, page, show, suspend, release; the token is required', async () => {
    const ts = [];
    for (let i = 71; i <= 73; i++) {
      const t = await newTerminal(server, `T-adm-${i}`, facts(i));
      await bind(server, t);
      ts.push(t);
    }
    const all = await json('GET', '/v1/admin/bindings?limit=2');
    const page1 = all.body['bindings'] as Array<{ id: string; terminalId: string }>;
    assert.deepEqual(page1.map((b) => b.terminalId), ['T-adm-73', 'T-adm-72']);
    const page2 = await json('GET', `/v1/admin/bindings?limit=2&before=${all.body['next']}`);
    assert.deepEqual((page2.body['bindings'] as Array<{ terminalId: string }>).map((b) => b.terminalId), ['T-adm-71']);
    const byNumber = await json('GET', `/v1/admin/bindings?msisdn=${encodeURIComponent(msisdn(72))}`);
    assert.deepEqual((byNumber.body['bindings'] as Array<{ terminalId: string }>).map((b) => b.terminalId), ['T-adm-72']);
    const byTerminal = await json('GET', '/v1/admin/bindings?terminalId=T-adm-71&status=active');
    const id = (byTerminal.body['bindings'] as Array<{ id: string }>)[0]!.id;

    const shown = await json('GET', `/v1/admin/bindings/${id}`);
    assert.equal(shown.body['msisdnLast4'], msisdn(71).slice(-4));
    assert.equal(Object.keys(shown.body).some((k) => /hash$/i.test(k)), false, 'no hash leaves the server');

    assert.equal((await json('POST', `/v1/admin/bindings/${id}/suspend`)).body['status'], 'suspended');
    await refusedWith(ts[0]!.binding.sensitive('POST', '/v1/secure/echo', { body: {} }), 'binding.suspended');
    assert.deepEqual([(await json('POST', `/v1/admin/bindings/${id}/suspend`)).status, (await json('POST', `/v1/admin/bindings/${id}/suspend`)).body.code], [409, 'binding.state_conflict']);
    const rebound = await bind(server, ts[0]!);
    assert.equal(rebound.cooldownUntil, null, 'an admin suspension is not a SIM change');
    assert.equal((await json('POST', `/v1/admin/bindings/${rebound.id}/release`)).body['reason'], 'released');
    assert.equal((await json('POST', `/v1/admin/bindings/${rebound.id}/release`)).body.code, 'binding.state_conflict');
    assert.equal((await json('GET', '/v1/admin/bindings/01ARZ3NDEKTSV4RRFFQ69G5FAV')).body.code, 'binding.not_found');
    assert.equal((await json('GET', '/v1/admin/bindings/not-an-id')).body.code, 'input.invalid');
    assert.equal((await json('GET', '/v1/admin/bindings?msisdn=12345')).body.code, 'input.invalid_msisdn');
    const anonymous = await fetch(`${server.url}/v1/admin/bindings`);
    assert.equal(anonymous.status, 401);
    const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const path of ['/v1/bindings', '/v1/bindings/{id}/confirm', '/v1/secure/echo', '/v1/admin/bindings/{id}/suspend']) assert.ok(path in openapi.paths, path);
  });

  test('CLI: terminal bind (code typed at the prompt), secure-echo, binding list/show/suspend/release, exit codes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bind-cli-'));
    const credential = join(dir, 'T-cli.json');
    writeFileSync(credential, JSON.stringify({ ...(await server.addTerminal('T-cli')), url: server.url }), { mode: 0o600 });
    const sim = join(dir, 'sim.json');
    const { msisdn: number, ...simFacts } = facts(81);
    writeFileSync(sim, JSON.stringify(simFacts)); // this SIM does not report its number

    let answered = false;
    const bound = await cli(['terminal', 'bind', '--credential', credential, '--sim', sim, '--msisdn', number!], (stderr, write) => {
      const id = /binding ([0-9A-Z]{26})/.exec(stderr)?.[1];
      if (id && !answered && stderr.includes('verification code')) {
        answered = true;
        write(`${codeFromOutbox(server.outbox, id)}\n`);
      }
    });
    assert.equal(bound.status, 0, bound.stderr);
    assert.match(bound.stdout, /^bound: [0-9A-Z]{26} active \(…0081, app wallet\)\n$/);
    const bindingId = /bound: ([0-9A-Z]{26})/.exec(bound.stdout)![1]!;

    const echoArgs = ['terminal', 'secure-echo', '--credential', credential, '--sim', sim, '--msisdn', number!, '--body', '{"amount":5}'];
    const ok = await cli(echoArgs);
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { terminalId: 'T-cli', bindingId, body: { amount: 5 } });

    const listed = await cli(['binding', 'list', '--terminal', 'T-cli', ...admin]);
    assert.match(listed.stdout, new RegExp(`^${bindingId}\tactive\tT-cli\twallet\t…0081\t`));
    const shown = await cli(['binding', 'show', bindingId, ...admin]);
    assert.equal(JSON.parse(shown.stdout).status, 'active');
    const suspended = await cli(['binding', 'suspend', bindingId, ...admin]);
    assert.match(suspended.stdout, /\tsuspended\(admin\)\t/);

    const refused = await cli(echoArgs);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /^tessera: binding\.suspended: /);
    const released = await cli(['binding', 'release', bindingId, ...admin]);
    assert.match(released.stdout, /\tended\(released\)\t/);
    const again = await cli(['binding', 'release', bindingId, ...admin]);
    assert.equal(again.status, 1, again.stderr);
    assert.match(again.stderr, /^tessera: binding\.state_conflict: /);

    const badNumber = await cli(['terminal', 'bind', '--credential', credential, '--sim', sim, '--msisdn', '0740012', '--code', '123456']);
    assert.equal(badNumber.status, 2, badNumber.stderr);
    assert.match(badNumber.stderr, /^tessera: input\.invalid_msisdn: /);
    const noSource = await cli(['terminal', 'bind', '--credential', credential, '--msisdn', number!, '--code', '123456']);
    assert.equal(noSource.status, 2, noSource.stderr);
    assert.match(noSource.stderr, /--sim <file> or --mmcli/);
    const badId = await cli(['binding', 'show', 'nope', ...admin]);
    assert.equal(badId.status, 2, badId.stderr);
  });
});
