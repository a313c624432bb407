// The OTP storage adapter: where a terminal's one-time-programmable image lives. Written once
// by the factory (a second write is refused), read at every boot. The SDK core sees only this
// interface; `FileOtpStore` (tessera/terminal/node) keeps the image in a write-once file, and
// a device port maps it onto its real OTP fuses or eMMC boot partition.
import { TesseraError } from '../protocol/errors.ts';

/** Write-once storage for the OTP image. */
export interface OtpStore {
  /** The image bytes, or undefined when nothing has been written yet. */
  read(): Promise<Uint8Array | undefined>;
  /** Writes the image; throws `otp.already_written` when the storage already holds one. */
  write(image: Uint8Array): Promise<void>;
}

/** Refuses an empty image before anything is written (an empty write would burn the storage). */
export function assertImageBytes(image: Uint8Array): void {
  if (!(image instanceof Uint8Array) || image.length === 0) throw new TesseraError('input.invalid', 'an OTP image must be non-empty bytes');
}

/**
 * An in-memory OTP store, write-once like the real thing: for tests and simulations.
 * @example
 * const otp = new MemoryOtpStore();
 * await otp.write(image);
 * await otp.write(image); // throws otp.already_written
 */
export class MemoryOtpStore implements OtpStore {
  #image: Uint8Array | undefined;

  /** Optionally starts with an image already written (as a device leaves the factory). */
  constructor(image?: Uint8Array) {
    if (image !== undefined) {
      assertImageBytes(image);
      this.#image = image.slice();
    }
  }

  async read(): Promise<Uint8Array | undefined> {
    return this.#image?.slice();
  }

  async write(image: Uint8Array): Promise<void> {
    assertImageBytes(image);
    if (this.#image) throw new TesseraError('otp.already_written', 'the OTP storage already holds an image; it can be written once');
    this.#image = image.slice();
  }
}
