// The boot check: full on the hardware the image was made for, restricted elsewhere (or when
// the hardware cannot be read), refused for a missing or altered image; the restricted
// terminal refuses everything but update checks, and a full client sends evidence every hello.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AEAD_SUITE_NAMES } from '../../src/protocol/aeadSuites.ts';
import { fromBase64Url, toBase64Url } from '../../src/protocol/bytes.ts';
import { isTesseraError, TesseraError } from '../../src/protocol/errors.ts';
import { fingerprintHash } from '../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { bootTerminal } from '../../src/terminal/bootTerminal.ts';
import { SimulatedHardwareFingerprint, simulatedDescriptor } from '../../src/terminal/hardwareFingerprint.ts';
import type { FetchLike } from '../../src/terminal/httpTransport.ts';
import { MemoryOtpStore } from '../../src/terminal/otpStore.ts';
import { RestrictedTerminal } from '../../src/terminal/restrictedTerminal.ts';
import { TerminalClient } from '../../src/terminal/terminalClient.ts';
import { HARDWARE_A, HARDWARE_B, makeImage } from './otpFixtures.ts';

const onA = new SimulatedHardwareFingerprint(HARDWARE_A);
const onB = new SimulatedHardwareFingerprint(HARDWARE_B);

test('on its own hardware the image boots full: credential, evidence hash, policy, update key', async () => {
  const { bytes, key, fields } = makeImage();
  const boot = await bootTerminal({ otpStore: new MemoryOtpStore(bytes), hardware: onA, primitives: p });
  assert.equal(boot.mode, 'full');
  if (boot.mode !== 'full') return;
  assert.deepEqual(fromBase64Url(boot.credential.key), key);
  assert.deepEqual(
    { ...boot.credential, key: '' },
    { version: 1, terminalId: fields.terminalId, kid: 1, key: '', serverId: fields.serverId, url: fields.url, suites: fields.handshakeSuites, lotId: fields.lotId },
  );
  assert.deepEqual(boot.hardwareHash, fingerprintHash(p, HARDWARE_A));
  assert.deepEqual(boot.policy, { handshakeSuites: fields.handshakeSuites, aeadSuites: fields.aeadSuites });
  assert.deepEqual(boot.updatePublicKey, fields.updatePublicKey);
  assert.equal(boot.lotId, 'L-2026-11');
});

for (const aead of AEAD_SUITE_NAMES) {
  test(`${aead}-sealed image: full on A, restricted (hardware_mismatch) on B, and the restricted result holds no secret`, async () => {
    const { bytes, key, fields } = makeImage({ fields: { aeadSuites: [aead] } });
    assert.equal((await bootTerminal({ otpStore: new MemoryOtpStore(bytes), hardware: onA, primitives: p })).mode, 'full');
    const boot = await bootTerminal({ otpStore: new MemoryOtpStore(bytes), hardware: onB, primitives: p });
    assert.equal(boot.mode, 'restricted');
    if (boot.mode !== 'restricted') return;
    assert.equal(boot.reason, 'hardware_mismatch');
    assert.match(boot.detail, /sealed for other hardware/);
    assert.deepEqual(
      { terminalId: boot.terminalId, lotId: boot.lotId, kid: boot.kid, url: boot.url, serverId: boot.serverId, policy: boot.policy },
      { terminalId: fields.terminalId, lotId: fields.lotId, kid: 1, url: fields.url, serverId: fields.serverId, policy: { handshakeSuites: fields.handshakeSuites, aeadSuites: [aead] } },
    );
    assert.deepEqual(boot.updatePublicKey, fields.updatePublicKey);
    assert.ok(!JSON.stringify(boot).includes(toBase64Url(key)));
    assert.ok(!Object.values(boot).some((v) => v instanceof Uint8Array && p.equal(v, key)));
  });
}

test('one changed identifier (a replaced NIC) is other hardware', async () => {
  const { bytes } = makeImage();
  const swapped = new SimulatedHardwareFingerprint({ ...HARDWARE_A, macs: ['aa:bb:cc:00:11:99'] });
  assert.equal((await bootTerminal({ otpStore: new MemoryOtpStore(bytes), hardware: swapped, primitives: p })).mode, 'restricted');
});

test('hardware that cannot be read boots restricted (hardware_unreadable) with the adapter\'s reason', async () => {
  const { bytes } = makeImage();
  const broken = { read: async () => Promise.reject(new TesseraError('hardware.unreadable', 'no machine id under /')) };
  const boot = await bootTerminal({ otpStore: new MemoryOtpStore(bytes), hardware: broken, primitives: p });
  assert.equal(boot.mode === 'restricted' && boot.reason, 'hardware_unreadable');
  assert.match(boot.mode === 'restricted' ? boot.detail : '', /no machine id under/);
  const empty = await bootTerminal({ otpStore: new MemoryOtpStore(bytes), hardware: new SimulatedHardwareFingerprint({}), primitives: p });
  assert.equal(empty.mode === 'restricted' && empty.reason, 'hardware_unreadable');
});

test('no image: otp.missing', async () => {
  await assert.rejects(bootTerminal({ otpStore: new MemoryOtpStore(), hardware: onA, primitives: p }), (e) => isTesseraError(e, 'otp.missing') && /no OTP image/.test(e.message));
});

test('property: any altered byte of the image is refused at boot with otp.image_corrupt, on any hardware', async () => {
  const { bytes } = makeImage();
  await fc.assert(
    fc.asyncProperty(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(), async (pos, x, a) => {
      const bad = bytes.slice();
      bad[pos]! ^= x;
      await assert.rejects(bootTerminal({ otpStore: new MemoryOtpStore(bad), hardware: a ? onA : onB, primitives: p }), (e) => isTesseraError(e, 'otp.image_corrupt') && /damaged or altered/.test(e.message));
    }),
    { numRuns: 200 },
  );
  const truncated = bytes.subarray(0, bytes.length - 1);
  await assert.rejects(bootTerminal({ otpStore: new MemoryOtpStore(truncated), hardware: onA, primitives: p }), (e) => isTesseraError(e, 'otp.image_corrupt'));
});

test('an intact image with a field the SDK cannot use is refused, not booted', async () => {
  const { bytes } = makeImage({ fields: { url: 'ftp://nowhere' } });
  await assert.rejects(bootTerminal({ otpStore: new MemoryOtpStore(bytes), hardware: onA, primitives: p }), (e) => isTesseraError(e, 'otp.image_corrupt') && /url/.test(e.message));
});

test('the in-memory OTP store is write-once and hands out copies', async () => {
  const otp = new MemoryOtpStore();
  assert.equal(await otp.read(), undefined);
  const { bytes } = makeImage();
  await otp.write(bytes);
  await assert.rejects(otp.write(bytes), (e) => isTesseraError(e, 'otp.already_written'));
  await assert.rejects(new MemoryOtpStore().write(new Uint8Array(0)), (e) => isTesseraError(e, 'input.invalid'));
  const read = (await otp.read())!;
  read[0]! ^= 1;
  assert.deepEqual(await otp.read(), bytes);
});

test('simulated hardware from a seed is stable per seed and distinct across seeds', () => {
  assert.deepEqual(simulatedDescriptor(p, 'unit-1'), simulatedDescriptor(p, 'unit-1'));
  assert.notDeepEqual(fingerprintHash(p, simulatedDescriptor(p, 'unit-1')), fingerprintHash(p, simulatedDescriptor(p, 'unit-2')));
  const d = simulatedDescriptor(p, 'unit-1');
  assert.match(String(d['cpuSerial']), /^[0-9a-f]{16}$/);
  assert.ok((d['macs'] as string[]).every((m) => /^02(:[0-9a-f]{2}){5}$/.test(m)));
});

test('TerminalClient.boot: a full client with the update key, or a restricted terminal that refuses all but updates', async () => {
  const { bytes, fields } = makeImage();
  const full = await TerminalClient.boot({ otpStore: new MemoryOtpStore(bytes), hardware: onA, primitives: p });
  assert.ok(full instanceof TerminalClient);
  assert.equal(full.mode, 'full');
  assert.deepEqual(full.updatePublicKey, fields.updatePublicKey);

  const moved = await TerminalClient.boot({ otpStore: new MemoryOtpStore(bytes), hardware: onB, primitives: p, url: 'http://127.0.0.1:9/' });
  assert.ok(moved instanceof RestrictedTerminal);
  assert.equal(moved.mode, 'restricted');
  assert.equal(moved.reason, 'hardware_mismatch');
  assert.equal(moved.session, undefined);
  const source = moved.updateSource;
  assert.deepEqual({ ...source, fetch: undefined, primitives: undefined }, {
    url: 'http://127.0.0.1:9',
    serverId: fields.serverId,
    terminalId: fields.terminalId,
    lotId: fields.lotId,
    updatePublicKey: fields.updatePublicKey,
    fetch: undefined,
    primitives: undefined,
    timeoutMs: 30_000,
  });
  assert.equal(source.primitives, p);
  const restricted = (e: unknown) => isTesseraError(e, 'terminal.restricted') && /restricted mode \(hardware_mismatch\)/.test(e.message) && /only software updates/.test(e.message);
  await assert.rejects(moved.login(), restricted);
  await assert.rejects(moved.request('GET', '/v1/session'), restricted);
  await assert.rejects(moved.activate('ABCD-EFGH'), restricted);
});

test('a client from a full boot sends fresh hardware evidence in every hello', async () => {
  const { bytes } = makeImage();
  const hellos: { evidence?: { salt: string; mac: string } }[] = [];
  const fetchSpy: FetchLike = async (_url, init) => {
    hellos.push(JSON.parse(String(init.body instanceof Uint8Array ? new TextDecoder().decode(init.body) : init.body)));
    return new Response(JSON.stringify({ type: 'about:blank', title: 'x', status: 401, code: 'auth.refused' }), { status: 401, headers: { 'content-type': 'application/problem+json' } });
  };
  const client = await TerminalClient.boot({ otpStore: new MemoryOtpStore(bytes), hardware: onA, primitives: p, fetch: fetchSpy });
  for (let i = 0; i < 3; i++) await assert.rejects(client.login(), (e) => isTesseraError(e, 'auth.refused'));
  assert.equal(hellos.length, 3);
  assert.ok(hellos.every((h) => h.evidence && fromBase64Url(h.evidence.salt).length === 16 && fromBase64Url(h.evidence.mac).length === 32));
  assert.equal(new Set(hellos.map((h) => h.evidence!.salt)).size, 3);
});
