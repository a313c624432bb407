// A file-backed, write-once OtpStore for Linux terminals without OTP fuses (or for a
// simulated fleet): the file is created exclusively (O_CREAT|O_EXCL, so a second write fails
// even from another process), synced, then made read-only (0400). A crash mid-write leaves a
// short file that boot refuses as corrupt, as a half-burned fuse bank would be.
import { chmod, open, readFile } from 'node:fs/promises';
import { TesseraError } from '../../protocol/errors.ts';
import { assertImageBytes, type OtpStore } from '../otpStore.ts';

const code = (err: unknown) => (err as NodeJS.ErrnoException)?.code ?? 'error';

/**
 * The OTP image in one file, written once.
 * @example
 * const otp = new FileOtpStore('/var/lib/tessera/otp.img');
 * await otp.write(image);          // at the factory
 * const bytes = await otp.read();  // at every boot
 */
export class FileOtpStore implements OtpStore {
  constructor(readonly path: string) {}

  /** The image, or undefined when the file does not exist; other read failures throw `otp.missing`. */
  async read(): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path));
    } catch (err) {
      if (code(err) === 'ENOENT') return undefined;
      throw new TesseraError('otp.missing', `cannot read the OTP image ${this.path}: ${code(err)}`, { cause: err });
    }
  }

  /** Creates the file exclusively, writes and syncs the image, then makes the file read-only. */
  async write(image: Uint8Array): Promise<void> {
    assertImageBytes(image);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, 'wx', 0o600);
    } catch (err) {
      if (code(err) === 'EEXIST') throw new TesseraError('otp.already_written', `${this.path} already holds an OTP image; it can be written once`);
      throw new TesseraError('input.invalid', `cannot create the OTP image ${this.path}: ${code(err)}`, { cause: err });
    }
    try {
      await handle.writeFile(image);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(this.path, 0o400);
  }
}
