// One terminal at the factory (docs/factory.md §5): its id, its key K_t from the lot key, the
// fingerprint hash of its hardware, and the OTP image that seals K_t to that hardware. Pure:
// the factory station runs it in worker threads, the tests run it directly.
import { TesseraError } from '../errors.ts';
import { HANDSHAKE_LIMITS } from '../handshake/messages.ts';
import { DESCRIPTOR_METADATA_KEYS, fingerprintHash, type HardwareDescriptor } from '../hardware/hardwareFingerprint.ts';
import { buildOtpImage } from '../otp/otpImage.ts';
import type { Primitives } from '../primitives.ts';
import { deriveLotTerminalKey } from './lotKeys.ts';
import type { LotMaterial } from './stationFile.ts';

const TERMINAL_ID = new RegExp(HANDSHAKE_LIMITS.terminalIdPattern);

/** What the factory produces for one terminal. */
export interface ProvisionedTerminal {
  terminalId: string;
  /** Fingerprint hash of the hardware (32 bytes); the server record keeps it as `hwHash`. */
  fph: Uint8Array;
  /** The OTP image to write into the device. */
  image: Uint8Array;
}

/**
 * The id a terminal gets when its descriptor names none: `<lotId>-<index>`, the 1-based
 * position of its descriptor zero-padded to six digits (more past 999,999).
 * @example defaultTerminalId('L-2026-11', 7) // 'L-2026-11-000007'
 */
export function defaultTerminalId(lotId: string, index: number): string {
  return `${lotId}-${String(index).padStart(6, '0')}`;
}

/** The terminal id of a descriptor: its `terminalId` field, else {@link defaultTerminalId}. */
export function terminalIdOf(lotId: string, index: number, descriptor: HardwareDescriptor): string {
  const given = descriptor[DESCRIPTOR_METADATA_KEYS[0]!];
  const id = given === undefined ? defaultTerminalId(lotId, index) : given;
  if (typeof id !== 'string' || !TERMINAL_ID.test(id)) {
    throw new TesseraError('input.invalid', `terminal id ${JSON.stringify(id)} is not 1–64 characters of A–Z a–z 0–9 . _ : - (a shorter lot id leaves room for the number)`, { field: 'terminalId' });
  }
  return id;
}

/**
 * Provisions one terminal of a lot: K_t = deriveLotTerminalKey(K_lot, terminalId),
 * fph = fingerprintHash(descriptor), image = buildOtpImage(fields, K_t, fph).
 */
export function provisionTerminal(p: Primitives, lot: LotMaterial, index: number, descriptor: HardwareDescriptor): ProvisionedTerminal {
  const terminalId = terminalIdOf(lot.fields.lotId, index, descriptor);
  const fph = fingerprintHash(p, descriptor);
  const key = deriveLotTerminalKey(p, lot.lotKey, terminalId);
  const image = buildOtpImage(p, { ...lot.fields, terminalId }, key, fph);
  key.fill(0);
  return { terminalId, fph, image };
}
