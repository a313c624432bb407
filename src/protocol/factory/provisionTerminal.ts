// One terminal at the factory (docs/factory.md §5): its id, its key K_t from the lot key, the
// fingerprint hash of its hardware, and the OTP image that seals K_t to that hardware. Pure:
// the factory station runs it in worker threads, the tests run it directly.
import { TesseraError } from '../errors.ts';
import { HANDSHAKE_LIMITS } from '../handshake/messages.ts';
import { DESCRIPTOR_METADATA_KEYS, fingerprintHash, type HardwareDescriptor } from '../hardware/hardwareFingerprint.ts';
import { OtpImageTemplate } from '../otp/otpImage.ts';
import { terminalKeyDeriver } from '../keys.ts';
import type { Primitives } from '../primitives.ts';
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
 * Provisions the terminals of one lot. The lot's image template is laid out once; each image
 * is written into a buffer the caller gives (the factory packs a batch of images into one).
 * @example
 * const lot = new LotProvisioner(p, parseStationFile(station));
 * const t = lot.provision(1, descriptor); // { terminalId, fph, image }
 */
export class LotProvisioner {
  readonly #p: Primitives;
  readonly #lot: LotMaterial;
  readonly #template: OtpImageTemplate;
  readonly #terminalKey: (terminalId: string) => Uint8Array;

  constructor(p: Primitives, lot: LotMaterial) {
    this.#p = p;
    this.#lot = lot;
    this.#template = new OtpImageTemplate(lot.fields);
    // deriveLotTerminalKey for every terminal of the lot, with K_lot prepared once.
    this.#terminalKey = terminalKeyDeriver(p, lot.lotKey);
  }

  /** Random bytes one image takes (salt and nonce); see {@link writeImage}. */
  get randomLength(): number {
    return this.#template.randomLength;
  }

  /** Bytes of the image of `terminalId`. */
  imageLength(terminalId: string): number {
    return this.#template.imageLength(terminalId);
  }

  /**
   * Writes the image of `terminalId` for the hardware whose fingerprint hash is `fph` into
   * `out` at `offset`: K_t = deriveLotTerminalKey(K_lot, terminalId), sealed under `fph`, then
   * wiped. `random`: {@link randomLength} fresh CSPRNG bytes for this image only (default:
   * drawn here). Returns the image's length.
   */
  writeImage(terminalId: string, fph: Uint8Array, out: Uint8Array, offset: number, random?: Uint8Array): number {
    const key = this.#terminalKey(terminalId);
    try {
      return this.#template.write(this.#p, out, offset, terminalId, key, fph, random);
    } finally {
      key.fill(0);
    }
  }

  /**
   * Provisions one terminal: terminalId = terminalIdOf(descriptor), fph =
   * fingerprintHash(descriptor), and its image.
   */
  provision(index: number, descriptor: HardwareDescriptor): ProvisionedTerminal {
    const terminalId = terminalIdOf(this.#lot.fields.lotId, index, descriptor);
    const fph = fingerprintHash(this.#p, descriptor);
    const image = new Uint8Array(this.imageLength(terminalId));
    this.writeImage(terminalId, fph, image, 0);
    return { terminalId, fph, image };
  }
}

/**
 * Provisions one terminal of a lot: K_t = deriveLotTerminalKey(K_lot, terminalId),
 * fph = fingerprintHash(descriptor), image = buildOtpImage(fields, K_t, fph).
 */
export function provisionTerminal(p: Primitives, lot: LotMaterial, index: number, descriptor: HardwareDescriptor): ProvisionedTerminal {
  return new LotProvisioner(p, lot).provision(index, descriptor);
}
