// A terminal written in Python from docs/protocol.md alone (test/interop/terminal.py) against a
// real server: its self-test recomputes the vectors of the document, then it logs in with each
// MAC suite, makes signed requests, checks and downloads a published update, and sees the
// server refuse replays, stale and altered requests, and itself refuse a wrong server, each
// with the code the document names. A change that breaks a terminal built from the document
// alone fails here.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import { fileOf, publish } from './updateKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const SCRIPT = 'test/interop/terminal.py';
const found = (cmd: string, arg: string) => spawnSync(cmd, [arg], { stdio: 'ignore' }).status === 0;
const skip = !found('python3', '--version') ? 'python3 not found' : !found('openssl', 'version') ? 'openssl not found (the Python terminal verifies Ed25519 with it)' : false;

/** Runs the Python terminal; asynchronous because the server answers from this process. */
async function python(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await promisify(execFile)('python3', [SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    return { code: 0, ...out };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

const shown = (r: { stdout: string; stderr: string }) => `\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

// Each test carries the skip (not only the suite) so the run's summary counts them as skipped.
describe('a terminal written in Python from docs/protocol.md alone', () => {
  let server: TestServer;
  let dir: string;
  let credential: string;

  before(async () => {
    if (skip) return;
    server = await startTestServer();
    await publish(server, '1.0.0', fileOf(2000));
    dir = mkdtempSync(join(tmpdir(), 'tessera-python-'));
    credential = join(dir, 'T-PY.json');
    writeFileSync(credential, JSON.stringify(await server.addTerminal('T-PY', ['hmac-sha256', 'hmac-sm3'])), { mode: 0o600 });
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('selftest: recomputes protocol.md §9, §11.6 and §12 and matches test/vectors/', { skip }, async () => {
    const r = await python('selftest');
    assert.equal(r.code, 0, shown(r));
    const n = Number(/^selftest: (\d+) checks, all vectors match$/m.exec(r.stdout)?.[1]);
    assert.ok(n >= 130, `only ${n} checks${shown(r)}`);
    for (const section of ['§9.1', 'handshake hmac-sha256', 'handshake OCRA-1:HOTP-SHA256-8:QH64', '§9.6 signed request', '§11.6 update manifest', '§12 activation codes']) assert.ok(r.stdout.includes(section), section + shown(r));
    assert.match(r.stdout, /ok {2}signature verifies \(openssl\)/);
  });

  test('demo: handshakes, signed requests, an update, and every refusal with its documented code', { skip }, async () => {
    const updateKey = toBase64Url(server.config.updateKey.publicKey);
    const r = await python('demo', '--credential', credential, '--update-key', updateKey);
    assert.equal(r.code, 0, shown(r));
    assert.match(r.stdout, /^DEMO OK$/m, shown(r));
    assert.match(r.stdout, /server proof verified \(hmac-sha256\)/);
    assert.match(r.stdout, /serverConfirm verified; session [A-Za-z0-9_-]{22} /);
    assert.match(r.stdout, /'terminalId': 'T-PY', 'body': \{'amount': 12, 'note': 'from python'/);
    assert.match(r.stdout, /Host LOCALHOST, signed lower-case: accepted/);
    assert.match(r.stdout, /current=0\.0\.1: {2}install 1\.0\.0/);
    assert.match(r.stdout, /current=99\.0\.0: {2}no update/);
    assert.match(r.stdout, /file verified \(size, sha256\)/);
    const refusals: [string, string][] = [
      // the server refuses
      ['replayed request nonce', 'sig.replayed'],
      ['body changed after signing', 'sig.digest_mismatch'],
      ['stale created', 'sig.stale'],
      ['signed for another URI', 'sig.invalid'],
      ['Host LOCALHOST, upper-case host signed as-is (§7.2)', 'sig.invalid'],
      ['unsigned GET /v1/session', 'sig.missing'],
      ['finish replayed', 'auth.challenge_expired'],
      ['hello with unknown member', 'input.invalid'],
      ['hello replayed (same nonceT)', 'auth.replayed'],
      ['no acceptable suite', 'auth.suite_unsupported'],
      ['activate without the activate capability', 'auth.capability_missing'],
      // the terminal refuses a server that cannot prove it holds K_t
      ['credential expects another serverId', 'auth.server_not_genuine'],
      ['hello names a kid the server lacks (decoy proof)', 'auth.server_not_genuine'],
      ['fake server / wrong K_t', 'auth.server_not_genuine'],
      ['serverProof altered in transit', 'auth.server_not_genuine'],
      ['suite changed in transit', 'auth.server_not_genuine'],
      // the terminal refuses an update it cannot trust
      ['manifest under another K_upd', 'update.bad_signature'],
      ['manifest altered in transit', 'update.bad_signature'],
      ['file altered in transit', 'update.hash_mismatch'],
      ['mistyped code refused locally', 'activation.code_mistyped'],
    ];
    for (const [what, code] of refusals) assert.ok(r.stdout.includes(`ok  ${what}: refused with ${code}`), `${what} → ${code}${shown(r)}`);
    if (r.stdout.includes('note: hmac-sm3 handshake skipped')) return; // this Python's OpenSSL has no SM3
    assert.match(r.stdout, /server proof verified \(hmac-sm3\)/);
  });

  test('the Python terminal refuses a credential naming another server before it sends a signed request', { skip }, async () => {
    const other = join(dir, 'T-PY-wrong.json');
    const cred = JSON.parse(readFileSync(credential, 'utf8')) as Record<string, unknown>;
    writeFileSync(other, JSON.stringify({ ...cred, serverId: `${String(cred['serverId'])}-elsewhere` }), { mode: 0o600 });
    const r = await python('login', '--credential', other);
    assert.equal(r.code, 1, shown(r));
    assert.match(r.stderr, /^tessera: auth\.server_not_genuine: server proof does not verify$/m, shown(r));
  });
});
