// OTP images for terminal-side tests: a factory image sealed for a given descriptor, with the
// lot policy and update key a test chooses.
import type { AeadSuiteName } from '../../src/protocol/aeadSuites.ts';
import { fingerprintHash, type HardwareDescriptor } from '../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { buildOtpImage, type OtpImageFields } from '../../src/protocol/otp/otpImage.ts';

/** Hardware A and B: two devices of the same model. */
export const HARDWARE_A: HardwareDescriptor = { cpuSerial: '00000000a1b2c3d4', emmcCid: '150100514d3030304108ab12cd34ef00', macs: ['aa:bb:cc:00:11:22'] };
export const HARDWARE_B: HardwareDescriptor = { cpuSerial: '00000000a1b2c3d5', emmcCid: '150100514d3030304108ab12cd34ef01', macs: ['aa:bb:cc:00:11:33'] };

/** A factory image: its bytes, the sealed key and the public fields. */
export interface TestImage {
  bytes: Uint8Array;
  key: Uint8Array;
  fields: OtpImageFields;
}

/** Builds an image for `hardware` (default A) with overridable fields. */
export function makeImage(options: { hardware?: HardwareDescriptor; key?: Uint8Array; fields?: Partial<OtpImageFields> } = {}): TestImage {
  const key = options.key ?? p.randomBytes(32);
  const fields: OtpImageFields = {
    lotId: 'L-2026-11',
    terminalId: 'L-2026-11-000001',
    kid: 1,
    serverId: 'tessera-test',
    url: 'http://127.0.0.1:9',
    handshakeSuites: ['hmac-sha256', 'hmac-sm3'],
    aeadSuites: ['aes-256-gcm', 'chacha20-poly1305', 'sm4-cbc+hmac-sm3'] as AeadSuiteName[],
    updatePublicKey: new Uint8Array(32).fill(9),
    ...options.fields,
  };
  return { bytes: buildOtpImage(p, fields, key, fingerprintHash(p, options.hardware ?? HARDWARE_A)), key, fields };
}
