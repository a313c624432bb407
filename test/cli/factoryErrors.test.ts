// `tessera factory …` refusals and interruptions, offline (a station file made here): a refused
// rerun leaves the lot as it was, output paths are checked up front (exit 2, naming the flag),
// damaged inputs are named, interrupted writes leave no partial file, and lot list pages.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { deriveLotKey } from '../../src/protocol/factory/lotKeys.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import { type LotMaterial, stationFileFor } from '../../src/protocol/factory/stationFile.ts';
import { startTestServer, type TestServer } from '../e2e/testServer.ts';
import { cleanEnv, runCli } from './runCli.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const CHILD = fileURLToPath(new URL('./shownOnceChild.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const lotId = 'L-err';
const master = new Uint8Array(32).fill(5);
const material: LotMaterial = {
  fields: { lotId, kid: 1, serverId: 'tessera-test', url: 'https://tessera.example', handshakeSuites: ['hmac-sha256'], aeadSuites: ['aes-256-gcm'], updatePublicKey: new Uint8Array(32).fill(7) },
  lotKey: deriveLotKey(nodePrimitives, master, lotId),
};

/** Starts a process, waits for `ready` on stdout, sends `signal`, and collects how it ended. */
function interrupt(args: string[], ready: RegExp | ((dir: string) => boolean), signal: NodeJS.Signals, cwd: string): Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, ...args], { cwd, env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const send = () => {
      if (!sent) {
        sent = true;
        child.kill(signal);
      }
    };
    child.stdout.on('data', (d) => {
      stdout += String(d);
      if (ready instanceof RegExp && ready.test(stdout)) send();
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const poll = typeof ready === 'function' ? setInterval(() => ready(cwd) && send(), 20) : undefined;
    child.on('exit', (status, sig) => {
      clearInterval(poll);
      resolve({ status, signal: sig, stderr });
    });
  });
}

describe('tessera factory: refusals leave things as they were', () => {
  let dir: string;
  const at = (name: string) => join(dir, name);
  // The deployment's master key, for a direct import (the station file's lot key derives from it).
  const run = (args: string[]) => runCli(args, { env: cleanEnv({ TESSERA_MASTER_KEY: `1:${Buffer.from(master).toString('base64url')}` }), cwd: dir });
  const oneLine = (stderr: string, re: RegExp) => {
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, re);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-factory-err-'));
    writeFileSync(at('station.json'), JSON.stringify(stationFileFor(material)));
    assert.equal((await run(['factory', 'simulate', '--lot', lotId, '--count', '3', '--out', at('dev3.jsonl')])).status, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a refused provision rerun keeps the finished lot and its manifest', async () => {
    const first = await run(['factory', 'provision', '--lot', lotId, '--station', at('station.json'), '--hardware', at('dev3.jsonl'), '--out', at('lot1')]);
    assert.equal(first.status, 0, first.stderr);
    const manifest = readFileSync(at('lot1/bundle/manifest.json'), 'utf8');
    const lines = readFileSync(at('dev3.jsonl'), 'utf8').split('\n');
    writeFileSync(at('dev2.jsonl'), `${lines.slice(0, 2).join('\n')}\n`);
    const r = await run(['factory', 'provision', '--lot', lotId, '--station', at('station.json'), '--hardware', at('dev2.jsonl'), '--out', at('lot1')]);
    assert.equal(r.status, 2);
    oneLine(r.stderr, /^tessera: input\.invalid: the hardware file has 2 descriptors, but 3 were already provisioned/);
    assert.equal(readFileSync(at('lot1/bundle/manifest.json'), 'utf8'), manifest, 'the manifest is still there');
    // Another file of the same length: refused for its content, the manifest stays too.
    writeFileSync(at('other3.jsonl'), `${lines[1]}\n${lines[0]}\n${lines[2]}\n`);
    const o = await run(['factory', 'provision', '--lot', lotId, '--station', at('station.json'), '--hardware', at('other3.jsonl'), '--out', at('lot1')]);
    assert.equal(o.status, 2);
    oneLine(o.stderr, /not the same file/);
    assert.equal(readFileSync(at('lot1/bundle/manifest.json'), 'utf8'), manifest);
  });

  test('bad output paths are input errors naming the flag (exit 2), nothing written', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['factory', 'simulate', '--lot', lotId, '--count', '2', '--out', '/nonexist/x.jsonl'], /^tessera: input\.invalid: --out \/nonexist\/x\.jsonl: .*ENOENT/],
      [['factory', 'simulate', '--lot', lotId, '--count', '2', '--out', at('dev3.jsonl/x.jsonl')], /^tessera: input\.invalid: --out .*ENOTDIR/],
      [['factory', 'extract', '--pack', at('lot1'), '--position', '1', '--out', '/nonexist/e.otp'], /^tessera: input\.invalid: --out \/nonexist\/e\.otp: .*ENOENT/],
      [['factory', 'provision', '--lot', lotId, '--station', at('station.json'), '--simulate', '2', '--out', at('dev3.jsonl/lot')], /^tessera: input\.invalid: --out .*ENOTDIR/],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      oneLine(r.stderr, re);
    }
    assert.equal(existsSync(at('lot')), false);
  });

  test('a garbage images.idx is refused as not an image index', async () => {
    mkdirSync(at('garbage'));
    writeFileSync(at('garbage/images.otp'), new Uint8Array([0x54, 0x53, 0x50, 0x4b, 1, 0, 0, 0, 0, 0, 0, 1, 9]));
    writeFileSync(at('garbage/images.idx'), 'hello world\nfoo\n');
    for (const want of [['--position', '1'], ['--terminal', 'hello']]) {
      const r = await run(['factory', 'extract', '--pack', at('garbage'), ...want, '--out', at('g.otp')]);
      assert.equal(r.status, 2, r.stderr);
      oneLine(r.stderr, /^tessera: input\.invalid: .*garbage\/images\.idx is not an image index \(line 1\)$/);
    }
    assert.equal(existsSync(at('g.otp')), false);
  });

  test('hardware files: empty, garbage, missing; --sqlite not a database', async () => {
    writeFileSync(at('empty.jsonl'), '\n \n');
    writeFileSync(at('g.json'), 'this is not json\n');
    const prov = (extra: string[], out: string) => run(['factory', 'provision', '--lot', lotId, '--station', at('station.json'), ...extra, '--out', at(out)]);
    const e = await prov(['--hardware', at('empty.jsonl')], 'lot-empty');
    assert.equal(e.status, 2, e.stderr);
    oneLine(e.stderr, /^tessera: input\.invalid: .*empty\.jsonl.*no (hardware )?descriptors/);
    assert.equal(existsSync(at('lot-empty')), false);
    const g = await prov(['--hardware', at('g.json')], 'lot-g');
    assert.equal(g.status, 2, g.stderr);
    oneLine(g.stderr, /^tessera: input\.invalid: .*g\.json.*line 1: /);
    const n = await prov(['--hardware', at('nope.jsonl')], 'lot-n');
    assert.equal(n.status, 2);
    oneLine(n.stderr, /^tessera: input\.invalid: cannot read the hardware file .*nope\.jsonl.*ENOENT/);
    const s = await prov(['--simulate', '2', '--sqlite', at('g.json')], 'lot-s');
    assert.equal(s.status, 2, s.stderr);
    oneLine(s.stderr, /^tessera: input\.invalid: .*g\.json.* not a SQLite database/);
  });

  test('simulate refuses a lot id the server would refuse, and a count beyond the cap', async () => {
    for (const bad of ['', 'bad lot/../', `L${'x'.repeat(63)}`]) {
      const r = await run(['factory', 'simulate', '--lot', bad, '--count', '2', '--out', at('bad.jsonl')]);
      assert.equal(r.status, 2, `${JSON.stringify(bad)}: ${r.stderr}`);
      oneLine(r.stderr, /^tessera: input\.invalid: --lot /);
    }
    const big = await run(['factory', 'simulate', '--lot', lotId, '--count', '100000000', '--out', at('big.jsonl')]);
    assert.equal(big.status, 2);
    oneLine(big.stderr, /^tessera: input\.invalid: --count must be .*10000000/);
    assert.equal(existsSync(at('bad.jsonl')) || existsSync(at('big.jsonl')), false);
  });

  test('an interrupted simulate leaves neither the file nor a temporary one', async () => {
    mkdirSync(at('sim'));
    const started = (d: string) => readdirSync(join(d, 'sim')).length > 0;
    const r = await interrupt([MAIN, 'factory', 'simulate', '--lot', lotId, '--count', '5000000', '--out', join('sim', 'big.jsonl')], started, 'SIGINT', dir);
    assert.equal(r.status, 130, r.stderr);
    assert.deepEqual(readdirSync(at('sim')), []);
    oneLine(r.stderr, /^tessera: interrupted: .*big\.jsonl/);
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${signal} while a shown-once file waits for the server removes it and says what to do`, async () => {
      const file = at(`codes-${signal}.csv`);
      const r = await interrupt([CHILD, file], /requesting/, signal, dir);
      assert.equal(r.status, code, r.stderr);
      assert.equal(existsSync(file), false, 'no partial file');
      oneLine(r.stderr, /^tessera: interrupted: .*codes-SIG.*\.csv.*revoke it with `tessera codes revoke --batch B`/);
    });
  }
});

describe('tessera factory lot list pages in text mode', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ backend: 'embedded' });
  });
  after(async () => {
    await server?.close();
  });

  test('--limit 1 prints one row and how to get the next page', async () => {
    for (const id of ['L-page-1', 'L-page-2']) assert.equal((await server.admin('POST', '/v1/admin/lots', { lotId: id })).status, 201);
    const r = await runCli(['factory', 'lot', 'list', '--limit', '1'], { env: cleanEnv({ TESSERA_URL: server.url, TESSERA_ADMIN_TOKEN: server.env['TESSERA_ADMIN_TOKEN']! }) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.match(r.stderr, /more lots follow: add --after L-page-1/);
  });
});
