// `tessera terminal write-otp | boot | fingerprint | login --otp` as a user runs them: the CLI
// spawned through tsx, its stdout, stderr and exit code checked; login against a real server.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from './runCli.ts';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LinuxHardwareFingerprint } from '../../src/terminal/node/linuxHardwareFingerprint.ts';
import { provisionLot } from '../e2e/factoryKit.ts';
import { startTestServer, type TestServer } from '../e2e/testServer.ts';
import { HARDWARE_A, HARDWARE_B, makeImage } from '../terminal/otpFixtures.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-boot-'));
const at = (name: string) => join(dir, name);

const tessera = (...args: string[]) => runCli(args, { cwd: ROOT });

const image = makeImage();
writeFileSync(at('image.otp'), image.bytes);
writeFileSync(at('a.json'), JSON.stringify(HARDWARE_A));
writeFileSync(at('b.json'), JSON.stringify(HARDWARE_B));
writeFileSync(at('devices.jsonl'), `${JSON.stringify({ terminalId: 'other', ...HARDWARE_B })}\n${JSON.stringify({ terminalId: image.fields.terminalId, ...HARDWARE_A })}\n`);
const altered = image.bytes.slice();
altered[altered.length - 40]! ^= 0x80;
writeFileSync(at('altered.otp'), altered);
after(() => rmSync(dir, { recursive: true, force: true }));

describe('tessera terminal write-otp and boot', () => {
  before(async () => {
    const r = await tessera('terminal', 'write-otp', '--image', at('image.otp'), '--otp', at('otp.img'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wrote the OTP image of L-2026-11-000001 \(lot L-2026-11\) to /);
  });

  test('a second write-otp is refused with exit 1', async () => {
    const r = await tessera('terminal', 'write-otp', '--image', at('image.otp'), '--otp', at('otp.img'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^tessera: otp\.already_written: .*otp\.img already holds an OTP image; it can be written once\n$/);
  });

  test('boot prints "full" on A and "restricted (hardware_mismatch)" on B, both exit 0', async () => {
    const [a, b, jsonl] = await Promise.all([
      tessera('terminal', 'boot', '--otp', at('otp.img'), '--hardware-file', at('a.json')),
      tessera('terminal', 'boot', '--otp', at('otp.img'), '--hardware-file', at('b.json')),
      tessera('terminal', 'boot', '--otp', at('otp.img'), '--hardware-file', at('devices.jsonl')),
    ]);
    assert.deepEqual(a, { status: 0, stdout: 'full\n', stderr: '' });
    assert.deepEqual(b, { status: 0, stdout: 'restricted (hardware_mismatch)\n', stderr: '' });
    assert.deepEqual(jsonl, { status: 0, stdout: 'full\n', stderr: '' }, 'the devices.jsonl line of this terminal is used');
  });

  test('boot --json shows the public fields and never the key', async () => {
    const r = await tessera('terminal', 'boot', '--otp', at('otp.img'), '--hardware-file', at('b.json'), '--json');
    assert.equal(r.status, 0, r.stderr);
    const view = JSON.parse(r.stdout);
    assert.equal(view.mode, 'restricted');
    assert.equal(view.reason, 'hardware_mismatch');
    assert.equal(view.terminalId, 'L-2026-11-000001');
    assert.deepEqual(view.handshakeSuites, ['hmac-sha256', 'hmac-sm3']);
    const full = await tessera('terminal', 'boot', '--otp', at('otp.img'), '--hardware-file', at('a.json'), '--json');
    assert.equal(JSON.parse(full.stdout).mode, 'full');
    assert.ok(!full.stdout.includes(Buffer.from(image.key).toString('base64url')));
  });

  test('an altered image exits 1 with the corruption error; no image exits 1 with otp.missing', async () => {
    const [bad, none] = await Promise.all([
      tessera('terminal', 'boot', '--otp', at('altered.otp'), '--hardware-file', at('a.json')),
      tessera('terminal', 'boot', '--otp', at('nothing.img'), '--hardware-file', at('a.json')),
    ]);
    assert.deepEqual(bad, { status: 1, stdout: '', stderr: 'tessera: otp.image_corrupt: the OTP image is damaged or altered: digest mismatch\n' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /^tessera: otp\.missing: no OTP image has been written/);
  });

  test('usage errors exit 2: no hardware source, two of them, a bad descriptor file', async () => {
    writeFileSync(at('bad.json'), JSON.stringify({ 'cpu serial': 'x' }));
    const results = await Promise.all([
      tessera('terminal', 'boot', '--otp', at('otp.img')),
      tessera('terminal', 'boot', '--otp', at('otp.img'), '--linux', '--hardware-file', at('a.json')),
      tessera('terminal', 'boot', '--otp', at('otp.img'), '--hardware-file', at('bad.json')),
    ]);
    for (const r of results) assert.equal(r.status, 2, r.stderr);
    assert.match(results[0]!.stderr, /give exactly one of --hardware-file <file> or --linux/);
    assert.match(results[2]!.stderr, /not an identifier/);
  });

  test('--linux reads a (fake) system root: fingerprint prints the factory line, boot opens an image sealed for it', async () => {
    const root = at('sysroot');
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), `${text}\n`);
    };
    put('etc/machine-id', '0123456789abcdef0123456789abcdef');
    put('sys/class/net/eth0/address', '00:11:22:33:44:55');
    mkdirSync(join(root, 'sys/class/net/eth0/device'));
    const printed = await tessera('terminal', 'fingerprint', '--linux', '--sysroot', root, '--terminal-id', 'T-linux');
    assert.equal(printed.status, 0, printed.stderr);
    assert.deepEqual(JSON.parse(printed.stdout), { terminalId: 'T-linux', machineId: '0123456789abcdef0123456789abcdef', macs: ['00:11:22:33:44:55'] });
    const sealed = makeImage({ hardware: await new LinuxHardwareFingerprint({ root }).read(), fields: { terminalId: 'T-linux' } });
    writeFileSync(at('linux.otp'), sealed.bytes);
    assert.deepEqual(await tessera('terminal', 'boot', '--otp', at('linux.otp'), '--linux', '--sysroot', root), { status: 0, stdout: 'full\n', stderr: '' });
  });
});

describe('tessera terminal login --otp (real server)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    const lot = await provisionLot(server, { id: 'L-cli', terminals: [{ id: 'L-cli-1', hardware: HARDWARE_A }] });
    writeFileSync(at('cli.otp'), lot.get('L-cli-1')!.image);
  });
  after(() => server?.close());

  test('on A: boots and logs in with hardware evidence; on B: refused as restricted, exit 1', async () => {
    const [a, b] = await Promise.all([
      tessera('terminal', 'login', '--otp', at('cli.otp'), '--hardware-file', at('a.json'), '--json'),
      tessera('terminal', 'login', '--otp', at('cli.otp'), '--hardware-file', at('b.json')),
    ]);
    assert.equal(a.status, 0, a.stderr);
    assert.deepEqual(JSON.parse(a.stdout).capabilities, ['session', 'activate', 'update']);
    assert.equal(b.status, 1);
    assert.match(b.stderr, /^tessera: terminal\.restricted: terminal L-cli-1 booted restricted \(hardware_mismatch\)/);
  });

  test('exactly one of --credential and --otp (exit 2)', async () => {
    const r = await tessera('terminal', 'login', '--otp', at('cli.otp'), '--credential', at('a.json'), '--hardware-file', at('a.json'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /give exactly one of --credential <file> or --otp <file>/);
  });
});
