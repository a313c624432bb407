// OTP images: sealed to one hardware fingerprint, every byte protected, every AEAD suite.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AEAD_SUITE_NAMES, type AeadSuiteName } from '../../../src/protocol/aeadSuites.ts';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { fingerprintHash } from '../../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../../src/protocol/nodePrimitives.ts';
import { buildOtpImage, type OtpImageFields, parseOtpImage, unsealOtpImage } from '../../../src/protocol/otp/otpImage.ts';

const hw = { cpuSerial: '00000000A1B2C3D4', emmcCid: '150100514d3030304108ab12cd34ef00', macs: ['AA:BB:CC:00:11:22', 'aa:bb:cc:00:11:23'] };
const fph = fingerprintHash(p, hw);
const key = p.randomBytes(32);
const fields = (aead: AeadSuiteName): OtpImageFields => ({
  lotId: 'L-2026-11',
  terminalId: 'L-2026-11-000001',
  kid: 1,
  serverId: 'tessera-test',
  url: 'https://tessera.example',
  handshakeSuites: ['hmac-sha256', 'hmac-sm3'],
  aeadSuites: [aead, ...AEAD_SUITE_NAMES.filter((s) => s !== aead)],
  updatePublicKey: new Uint8Array(32).fill(7),
});

for (const aead of AEAD_SUITE_NAMES) {
  test(`${aead}: the image unseals on its hardware only`, () => {
    const image = parseOtpImage(p, buildOtpImage(p, fields(aead), key, fph));
    assert.equal(image.terminalId, 'L-2026-11-000001');
    assert.deepEqual(image.handshakeSuites, ['hmac-sha256', 'hmac-sm3']);
    assert.equal(image.aeadSuites[0], aead);
    assert.deepEqual(unsealOtpImage(p, image, fph), key);
    const other = fingerprintHash(p, { ...hw, emmcCid: '150100514d3030304108ab12cd34ef01' });
    assert.equal(unsealOtpImage(p, image, other), undefined);
  });
}

test('the fingerprint is canonical: order, case and duplicate MACs do not matter', () => {
  assert.deepEqual(fingerprintHash(p, { macs: ['aa:bb:cc:00:11:23', 'AA:BB:CC:00:11:22', 'aa:bb:cc:00:11:22'], emmcCid: hw.emmcCid.toUpperCase(), cpuSerial: ' 00000000a1b2c3d4 ' }), fph);
  assert.deepEqual(fingerprintHash(p, { ...hw, terminalId: 'ignored' }), fph);
});

test('any flipped byte is refused as corrupt, never unsealed', () => {
  const bytes = buildOtpImage(p, fields('aes-256-gcm'), key, fph);
  fc.assert(
    fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (pos, x) => {
      const bad = bytes.slice();
      bad[pos]! ^= x;
      assert.throws(() => parseOtpImage(p, bad), (e) => isTesseraError(e, 'otp.image_corrupt'));
    }),
  );
});

test('a re-computed digest over an altered field still cannot unseal (AEAD covers the fields)', () => {
  const bytes = buildOtpImage(p, fields('chacha20-poly1305'), key, fph);
  const image = parseOtpImage(p, bytes);
  const altered = { ...image, aad: image.aad.slice() };
  altered.aad[20]! ^= 1; // inside the update public key
  assert.equal(unsealOtpImage(p, altered, fph), undefined);
});
