// Boot-time integrity and restricted mode end to end, over real HTTP: an OTP image made for
// hardware A boots full on A and logs in with every capability of a provisioned terminal;
// moved to hardware B it boots restricted and cannot log in; a tampered SDK that unsealed the
// key on A but runs on B gets an update-only session and a `hardware.mismatch` event; an
// altered image byte and a second OTP write are refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { fingerprintHash } from '../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { bootTerminal, type FullBoot } from '../../src/terminal/bootTerminal.ts';
import { SimulatedHardwareFingerprint } from '../../src/terminal/hardwareFingerprint.ts';
import { FileOtpStore } from '../../src/terminal/node/fileOtpStore.ts';
import { MemoryOtpStore } from '../../src/terminal/otpStore.ts';
import { RestrictedTerminal } from '../../src/terminal/restrictedTerminal.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { HARDWARE_A, HARDWARE_B } from '../terminal/otpFixtures.ts';
import { BACKENDS, sessionsCreated } from './attackKit.ts';
import { type ProvisionedTerminal, provisionLot } from './factoryKit.ts';
import { startTestServer, type TestServer } from './testServer.ts';

const onA = new SimulatedHardwareFingerprint(HARDWARE_A);
const onB = new SimulatedHardwareFingerprint(HARDWARE_B);

interface EventJson {
  type: string;
  terminalId: string | null;
  detail: Record<string, unknown>;
}

async function eventsOf(server: TestServer, terminalId: string, type: string): Promise<EventJson[]> {
  const res = await server.admin('GET', `/v1/admin/events?terminalId=${encodeURIComponent(terminalId)}&type=${type}&limit=100`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { events: EventJson[] }).events;
}

for (const { backend, skip } of BACKENDS) {
  describe(`boot-time integrity and restricted mode over HTTP (${backend})`, () => {
    let server: TestServer;
    let made: Map<string, ProvisionedTerminal>;
    const lotId = `L-boot-${backend}`;
    const honest = `${lotId}-000001`;
    const tampered = `${lotId}-000002`;
    const dir = mkdtempSync(join(tmpdir(), 'tessera-boot-e2e-'));
    before(async () => {
      if (skip) return;
      server = await startTestServer({ backend });
      // both terminals were made for hardware A
      made = await provisionLot(server, { id: lotId, terminals: [{ id: honest, hardware: HARDWARE_A }, { id: tampered, hardware: HARDWARE_A }] });
    });
    after(async () => {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('on hardware A: full boot, login with evidence, capabilities session/activate/update', { skip }, async () => {
      const client = await TerminalClient.boot({ otpStore: new MemoryOtpStore(made.get(honest)!.image), hardware: onA, primitives: p });
      assert.ok(client instanceof TerminalClient);
      assert.deepEqual(client.updatePublicKey, server.config.updateKey.publicKey);
      const session = await client.login();
      assert.deepEqual(session.capabilities, ['session', 'activate', 'update']);
      const { status, body } = await client.request<{ terminalId: string }>('GET', '/v1/session');
      assert.equal(status, 200);
      assert.equal(body.terminalId, honest);
      assert.deepEqual(await eventsOf(server, honest, 'hardware.mismatch'), []);
    });

    test('the same image on hardware B: restricted locally, nothing reaches the server, updates stay checkable', { skip }, async () => {
      const before = await sessionsCreated(server.admin);
      const moved = await TerminalClient.boot({ otpStore: new MemoryOtpStore(made.get(honest)!.image), hardware: onB, primitives: p });
      assert.ok(moved instanceof RestrictedTerminal);
      assert.equal(moved.reason, 'hardware_mismatch');
      await assert.rejects(moved.login(), (e) => isTesseraError(e, 'terminal.restricted'));
      await assert.rejects(moved.request('GET', '/v1/session'), (e) => isTesseraError(e, 'terminal.restricted'));
      const source = moved.updateSource;
      assert.equal(source.url, server.url);
      assert.equal(source.lotId, lotId);
      assert.deepEqual(source.updatePublicKey, server.config.updateKey.publicKey);
      assert.equal(await sessionsCreated(server.admin), before);
    });

    test('a tampered SDK with the key from A running on B: update-only session, /v1/session refused, hardware.mismatch recorded', { skip }, async () => {
      const boot = (await bootTerminal({ otpStore: new MemoryOtpStore(made.get(tampered)!.image), hardware: onA, primitives: p })) as FullBoot;
      assert.equal(boot.mode, 'full');
      // evidence for B's fingerprint, then no evidence at all
      for (const [hardwareHash, evidence] of [[fingerprintHash(p, HARDWARE_B), 'wrong'], [undefined, 'missing']] as const) {
        const client = new TerminalClient({ credential: boot.credential, primitives: p, ...(hardwareHash ? { hardwareHash } : {}) });
        const session = await client.login();
        assert.deepEqual(session.capabilities, ['update']);
        await assert.rejects(client.request('GET', '/v1/session'), (e) => isTesseraError(e, 'auth.capability_missing'));
        await assert.rejects(client.request('POST', '/v1/session/echo', { body: { hello: 1 } }), (e) => isTesseraError(e, 'auth.capability_missing'));
        const [latest] = await eventsOf(server, tampered, 'hardware.mismatch');
        assert.equal(latest?.detail['evidence'], evidence);
      }
      assert.equal((await eventsOf(server, tampered, 'hardware.mismatch')).length, 2);
      // back on A, the same key gets the full session again: the record was not changed
      const genuine = TerminalClient.fromBoot(boot, { primitives: p });
      assert.deepEqual((await genuine.login()).capabilities, ['session', 'activate', 'update']);
    });

    test('the OTP file: a second write is refused; an altered image byte is refused at boot with a clear error', { skip }, async () => {
      const image = made.get(honest)!.image;
      const otp = new FileOtpStore(join(dir, 'otp.img'));
      await otp.write(image);
      await assert.rejects(otp.write(image), (e) => isTesseraError(e, 'otp.already_written') && /written once/.test(e.message));
      assert.equal((await bootTerminal({ otpStore: otp, hardware: onA, primitives: p })).mode, 'full');
      const altered = image.slice();
      altered[20]! ^= 0x01; // a byte of the update public key
      writeFileSync(join(dir, 'altered.img'), altered);
      await assert.rejects(
        TerminalClient.boot({ otpStore: new FileOtpStore(join(dir, 'altered.img')), hardware: onA, primitives: p }),
        (e) => isTesseraError(e, 'otp.image_corrupt') && e.message === 'the OTP image is damaged or altered: digest mismatch',
      );
    });
  });
}
