// `tessera factory …` end to end, the CLI as a child process against a real server on port 0:
// lot create → provision → import, reruns (no duplicates, same keys), an image from the pack
// booting and logging in with hardware evidence, tampered bundles, a hardware file resumed
// after a bad line, a crash tail cut off, the direct import, and the exit codes.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './runCli.ts';
import { after, before, describe, test } from 'node:test';
import { defaultTerminalId } from '../../src/protocol/factory/provisionTerminal.ts';
import { simulatedLotDescriptor } from '../../src/protocol/factory/simulatedLotDescriptor.ts';
import type { HardwareDescriptor } from '../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { openDurableStore } from '../../src/server/store/openDurableStore.ts';
import type { DurableStore } from '../../src/server/store/types.ts';
import { bootTerminal } from '../../src/terminal/bootTerminal.ts';
import { SimulatedHardwareFingerprint } from '../../src/terminal/hardwareFingerprint.ts';
import { MemoryOtpStore } from '../../src/terminal/otpStore.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { BACKENDS } from '../e2e/attackKit.ts';
import { startTestServer, type TestServer } from '../e2e/testServer.ts';


type Run = { status: number; stdout: string; stderr: string };

for (const { backend, skip } of BACKENDS) {
  describe(`tessera factory (${backend})`, { skip }, () => {
    let server: TestServer;
    let dir: string;
    const lot = `L-cli-${backend}`;
    const at = (name: string) => join(dir, name);
    const run = (args: string[], env: Record<string, string> = {}): Promise<Run> => runCli(args, { env: { ...process.env, TESSERA_URL: server.url, TESSERA_ADMIN_TOKEN: server.env['TESSERA_ADMIN_TOKEN']!, ...env } });
    const provision = (out: string, source: string[], extra: string[] = [], env: Record<string, string> = {}) => run(['factory', 'provision', '--lot', lot, '--station', at('station.json'), ...source, '--out', at(out), ...extra], env);
    const withStore = async <T>(fn: (s: DurableStore) => Promise<T>): Promise<T> => {
      const { settings } = server.config;
      const store = await openDurableStore({ databaseUrl: settings.databaseUrl, sqlitePath: server.config.sqlitePath, ...(settings.databaseSchema ? { schema: settings.databaseSchema } : {}) });
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    };
    const lotTerminals = (id = lot) => withStore(async (s) => (await s.terminals.list({ limit: 100_000 })).filter((t) => t.lotId === id));
    const bootAndLogin = async (image: Uint8Array, hardware: HardwareDescriptor) => {
      const boot = await bootTerminal({ otpStore: new MemoryOtpStore(image), hardware: new SimulatedHardwareFingerprint(hardware), primitives: p });
      if (boot.mode !== 'full') return { mode: boot.mode, capabilities: undefined };
      const session = await TerminalClient.fromBoot(boot, { primitives: p }).login();
      return { mode: boot.mode, capabilities: session.capabilities };
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-factory-cli-'));
      server = await startTestServer({ backend });
    });
    after(async () => {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('lot create writes a 0600 station file once; lot list and show never print the key', async () => {
      const r = await run(['factory', 'lot', 'create', '--lot', lot, '--out', at('station.json'), '--label', 'line 3']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^created lot ${lot} \\(kid 1\\); station file written to `));
      assert.equal(statSync(at('station.json')).mode & 0o777, 0o600);
      const station = readFileSync(at('station.json'), 'utf8');
      const again = await run(['factory', 'lot', 'create', '--lot', `${lot}-2`, '--out', at('station.json')]);
      assert.equal(again.status, 2);
      assert.equal(readFileSync(at('station.json'), 'utf8'), station, 'never overwritten');
      const dup = await run(['factory', 'lot', 'create', '--lot', lot, '--out', at('dup.json')]);
      assert.equal(dup.status, 1);
      assert.match(dup.stderr, /lot\.exists/);
      const bad = await run(['factory', 'lot', 'create', '--lot', `${lot}-x`, '--aead-suites', 'rot13', '--out', at('x.json')]);
      assert.equal(bad.status, 2);
      const list = await run(['factory', 'lot', 'list']);
      assert.match(list.stdout, new RegExp(`^${lot}\\tkid=1\\t`, 'm'));
      const show = await run(['factory', 'lot', 'show', lot]);
      assert.equal(JSON.parse(show.stdout).label, 'line 3');
      const key = JSON.parse(station).lotKey as string;
      assert.ok(!list.stdout.includes(key) && !show.stdout.includes(key));
    });

    test('provision 50 then import: the server holds them as provisioned, with lot and hardware hash', async () => {
      const r = await provision('lot', ['--simulate', '50']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^lot ${lot}: 50 terminals \\(50 new, 0 from an earlier run\\)`));
      for (const f of ['images.otp', 'images.idx', 'bundle/records.ndjson', 'bundle/manifest.json', 'progress.json']) assert.ok(existsSync(at(`lot/${f}`)), f);
      assert.equal(statSync(at('lot/images.otp')).mode & 0o777, 0o600);
      const imp = await run(['factory', 'import', at('lot/bundle')]);
      assert.equal(imp.status, 0, imp.stderr);
      assert.equal(imp.stdout, `lot ${lot}: 50 records in 1 blocks: 50 inserted, 0 already there\n`);
      const terminals = await lotTerminals();
      assert.equal(terminals.length, 50);
      const records = readFileSync(at('lot/bundle/records.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { terminalId: string; hwHash: string });
      for (const [i, t] of terminals.entries()) {
        assert.deepEqual([t.id, t.status, t.lotId, t.kid, t.hwHash], [defaultTerminalId(lot, i + 1), 'provisioned', lot, 1, records[i]!.hwHash]);
      }
    });

    test('an image from the pack boots on its hardware and logs in as a provisioned terminal; on other hardware it is restricted', async () => {
      const r = await run(['factory', 'extract', '--pack', at('lot'), '--terminal', defaultTerminalId(lot, 7), '--out', at('t7.otp'), '--check-hardware', at('hw7.json')]);
      assert.equal(r.status, 2, 'no descriptor file yet');
      writeFileSync(at('hw7.json'), JSON.stringify(simulatedLotDescriptor(p, lot, 7)));
      writeFileSync(at('hw8.json'), JSON.stringify(simulatedLotDescriptor(p, lot, 8)));
      const wrong = await run(['factory', 'extract', '--pack', at('lot'), '--terminal', defaultTerminalId(lot, 7), '--out', at('t7.otp'), '--check-hardware', at('hw8.json')]);
      assert.equal(wrong.status, 1);
      assert.ok(!existsSync(at('t7.otp')), 'nothing written for the wrong device');
      const ok = await run(['factory', 'extract', '--pack', at('lot/images.otp'), '--terminal', defaultTerminalId(lot, 7), '--out', at('t7.otp'), '--check-hardware', at('hw7.json')]);
      assert.equal(ok.status, 0, ok.stderr);
      const byPosition = await run(['factory', 'extract', '--pack', at('lot'), '--position', '7', '--out', at('t7b.otp')]);
      assert.equal(byPosition.status, 0, byPosition.stderr);
      const image = new Uint8Array(readFileSync(at('t7.otp')));
      assert.deepEqual(new Uint8Array(readFileSync(at('t7b.otp'))), image);
      assert.deepEqual(await bootAndLogin(image, simulatedLotDescriptor(p, lot, 7)), { mode: 'full', capabilities: ['session', 'activate', 'update'] });
      assert.equal((await bootAndLogin(image, simulatedLotDescriptor(p, lot, 8))).mode, 'restricted');
    });

    test('rerunning provision and import duplicates nothing and keeps every key', async () => {
      const pack = readFileSync(at('lot/images.otp'));
      const r = await provision('lot', ['--simulate', '50']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /: 50 terminals \(0 new, 50 from an earlier run\)/);
      assert.deepEqual(readFileSync(at('lot/images.otp')), pack, 'images are not rewritten');
      const imp = await run(['factory', 'import', at('lot')]);
      assert.equal(imp.stdout, `lot ${lot}: 50 records in 1 blocks: 0 inserted, 50 already there\n`);
      assert.equal((await lotTerminals()).length, 50);
      // A separate directory re-makes the same lot: new salts, same keys — the old image still logs in.
      const again = await provision('lot-again', ['--simulate', '60']);
      assert.equal(again.status, 0, again.stderr);
      assert.notDeepEqual(readFileSync(at('lot-again/images.otp')).subarray(0, pack.length), pack);
      const imp2 = await run(['factory', 'import', at('lot-again/bundle')]);
      assert.equal(imp2.stdout, `lot ${lot}: 60 records in 1 blocks: 10 inserted, 50 already there\n`);
      assert.deepEqual((await bootAndLogin(new Uint8Array(readFileSync(at('t7.otp'))), simulatedLotDescriptor(p, lot, 7))).capabilities, ['session', 'activate', 'update']);
      const ex = await run(['factory', 'extract', '--pack', at('lot-again'), '--terminal', defaultTerminalId(lot, 55), '--out', at('t55.otp')]);
      assert.equal(ex.status, 0, ex.stderr);
      assert.equal((await bootAndLogin(new Uint8Array(readFileSync(at('t55.otp'))), simulatedLotDescriptor(p, lot, 55))).mode, 'full');
    });

    test('a tampered bundle record or manifest is refused and imports nothing', async () => {
      cpSync(at('lot-again/bundle'), at('tampered-record'), { recursive: true });
      const lines = readFileSync(at('tampered-record/records.ndjson'), 'utf8').split('\n');
      lines[3] = lines[3]!.replace(/"hwHash":"(.)/, (_, c: string) => `"hwHash":"${c === 'A' ? 'B' : 'A'}`);
      writeFileSync(at('tampered-record/records.ndjson'), lines.join('\n'));
      cpSync(at('lot-again/bundle'), at('tampered-manifest'), { recursive: true });
      const manifest = JSON.parse(readFileSync(at('tampered-manifest/manifest.json'), 'utf8'));
      writeFileSync(at('tampered-manifest/manifest.json'), JSON.stringify({ ...manifest, count: 59 }));
      await withStore((s) => s.terminals.setStatus(defaultTerminalId(lot, 4), 'revoked', new Date()));
      for (const d of ['tampered-record', 'tampered-manifest']) {
        const r = await run(['factory', 'import', at(d)]);
        assert.equal(r.status, 1, d);
        assert.match(r.stderr, /lot\.bundle_invalid/, d);
      }
      assert.equal((await withStore((s) => s.terminals.get(defaultTerminalId(lot, 4))))?.status, 'revoked', 'the existing record is untouched');
    });

    test('a hardware file resumes after a bad line; duplicates and a changed prefix are refused', async () => {
      const hw = (n: number) => JSON.stringify({ ...simulatedLotDescriptor(p, `${lot}-hw`, n), ...(n === 5 ? { terminalId: `POS-${backend}-5` } : {}) });
      const lines = Array.from({ length: 30 }, (_, i) => hw(i + 1));
      writeFileSync(at('devices.jsonl'), `${lines.slice(0, 19).join('\n')}\n\n{"cpuSerial": 42}\n${lines.slice(20).join('\n')}\n`);
      const bad = await provision('hw', ['--hardware', at('devices.jsonl')]);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /line 21: hardware field cpuSerial must be a string/);
      assert.equal(JSON.parse(readFileSync(at('hw/progress.json'), 'utf8')).done, 19);
      assert.equal(JSON.parse(readFileSync(at('hw/bundle/manifest.json'), 'utf8')).count, 19, 'the part made so far is importable');
      const records19 = readFileSync(at('hw/bundle/records.ndjson'), 'utf8');
      writeFileSync(at('devices.jsonl'), `${lines.slice(0, 19).join('\n')}\n\n${lines.slice(19).join('\n')}\n`);
      const resumed = await provision('hw', ['--hardware', at('devices.jsonl')]);
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.match(resumed.stdout, /: 30 terminals \(11 new, 19 from an earlier run\)/);
      assert.ok(readFileSync(at('hw/bundle/records.ndjson'), 'utf8').startsWith(records19));
      assert.match(readFileSync(at('hw/bundle/records.ndjson'), 'utf8'), new RegExp(`"terminalId":"POS-${backend}-5"`));
      appendFileSync(at('devices.jsonl'), `${JSON.stringify({ terminalId: 'ANOTHER-1', ...simulatedLotDescriptor(p, `${lot}-hw`, 3) })}\n`);
      const dupHw = await provision('hw', ['--hardware', at('devices.jsonl')]);
      assert.equal(dupHw.status, 2);
      assert.match(dupHw.stderr, /line 32: this hardware was already provisioned as terminal L-cli-\w+-000003/);
      writeFileSync(at('devices.jsonl'), `${lines.slice(0, 19).join('\n')}\n\n${lines.slice(19).join('\n')}\n${JSON.stringify({ terminalId: defaultTerminalId(lot, 2), cpuSerial: 'fresh' })}\n`);
      const dupId = await provision('hw', ['--hardware', at('devices.jsonl')]);
      assert.equal(dupId.status, 2);
      assert.match(dupId.stderr, /terminal id L-cli-\w+-000002 is already in lot/);
      writeFileSync(at('devices.jsonl'), `${[hw(99), ...lines.slice(1)].join('\n')}\n`);
      const changed = await provision('hw', ['--hardware', at('devices.jsonl')]);
      assert.equal(changed.status, 2);
      assert.match(changed.stderr, /not the same file/);
      const fromSimulate = await provision('hw', ['--simulate', '40']);
      assert.equal(fromSimulate.status, 2, 'a lot dir continues from its own source');
    });

    test('bytes a crashed run wrote after its last checkpoint are cut off by the rerun', async () => {
      const before = ['images.otp', 'images.idx', 'bundle/records.ndjson'].map((f) => readFileSync(at(`lot/${f}`)));
      for (const f of ['images.otp', 'images.idx', 'bundle/records.ndjson']) appendFileSync(at(`lot/${f}`), 'half-written junk');
      rmSync(at('lot/bundle/manifest.json'));
      const noManifest = await run(['factory', 'import', at('lot')]);
      assert.equal(noManifest.status, 2, 'an unfinished run leaves nothing to import');
      const r = await provision('lot', ['--simulate', '50']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(['images.otp', 'images.idx', 'bundle/records.ndjson'].map((f) => readFileSync(at(`lot/${f}`))), before);
    });

    test('direct import (--sqlite / --database) with worker threads over several blocks, resumable, needing the master key', async () => {
      const { settings } = server.config;
      const target = settings.databaseUrl ? ['--database', settings.databaseUrl, '--schema', settings.databaseSchema!] : ['--sqlite', server.config.sqlitePath];
      const masterKey = { TESSERA_MASTER_KEY: server.env['TESSERA_MASTER_KEY']! };
      const noKey = await provision('direct', ['--simulate', '10'], [...target], { TESSERA_MASTER_KEY: '', TESSERA_DATA_DIR: at('no-such-dir') });
      assert.equal(noKey.status, 2);
      assert.match(noKey.stderr, /needs the master key/);
      const otherKey = await provision('direct', ['--simulate', '10'], [...target], { TESSERA_MASTER_KEY: `1:${'A'.repeat(43)}` });
      assert.equal(otherKey.status, 1);
      assert.match(otherKey.stderr, /does not derive from this deployment's master key/);
      const first = await provision('direct', ['--simulate', '6200'], [...target, '--workers', '2'], masterKey);
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /: 6200 terminals \(6200 new, 0 from an earlier run\)/);
      assert.match(first.stdout, /imported into .*: 6140 inserted, 60 already there/);
      const again = await provision('direct', ['--simulate', '6200'], [...target], masterKey);
      assert.match(again.stdout, /\(0 new, 6200 from an earlier run\)/);
      assert.match(again.stdout, /: 0 inserted, 0 already there/);
      assert.equal((await lotTerminals()).length, 6200);
      const imp = await run(['factory', 'import', at('direct')]);
      assert.equal(imp.stdout, `lot ${lot}: 6200 records in 2 blocks: 0 inserted, 6200 already there\n`);
    });

    test('exit codes: 2 for usage and input errors, 1 for refusals', async () => {
      assert.equal((await run(['factory', 'provision', '--lot', lot, '--station', at('station.json'), '--out', at('x')])).status, 2, 'neither --hardware nor --simulate');
      assert.equal((await run(['factory', 'provision', '--lot', 'L-other', '--station', at('station.json'), '--simulate', '1', '--out', at('x')])).status, 2, 'station of another lot');
      assert.equal((await run(['factory', 'provision', '--bogus'])).status, 2);
      assert.equal((await run(['factory', 'import', at('nowhere')])).status, 2);
      assert.equal((await run(['factory', 'import', at('lot')], { TESSERA_ADMIN_TOKEN: 'wrong' })).status, 1);
      assert.equal((await run(['factory', 'extract', '--pack', at('lot'), '--terminal', 'NOPE', '--out', at('n.otp')])).status, 2);
    });
  });
}
