// The boot check (docs/boot.md): read the OTP image, read this hardware's
// fingerprint, and try to unseal the terminal key. A damaged or altered image is refused; a
// healthy image on other hardware (or hardware that cannot be read) brings the terminal up
// restricted: it keeps what it needs to fetch and verify signed updates, and nothing else.
import type { AeadSuiteName } from '../protocol/aeadSuites.ts';
import { toBase64Url } from '../protocol/bytes.ts';
import { parseCredential, type TerminalCredential } from '../protocol/credential.ts';
import { TesseraError } from '../protocol/errors.ts';
import { fingerprintHash } from '../protocol/hardware/hardwareFingerprint.ts';
import { type OtpImage, parseOtpImage, unsealOtpImage } from '../protocol/otp/otpImage.ts';
import type { Primitives } from '../protocol/primitives.ts';
import type { HardwareFingerprint } from './hardwareFingerprint.ts';
import type { OtpStore } from './otpStore.ts';

/** What bootTerminal needs: where the image is, how to read the hardware, the primitives. */
export interface BootOptions {
  otpStore: OtpStore;
  hardware: HardwareFingerprint;
  primitives: Primitives;
}

/** The lot's suite policy as the OTP image carries it. */
export interface SuitePolicy {
  /** Handshake suites the terminal offers, in order. */
  handshakeSuites: string[];
  /** AEAD suites the lot allows, in order; the first sealed the image. */
  aeadSuites: AeadSuiteName[];
}

/** The image unsealed on its own hardware: the terminal may use every service. */
export interface FullBoot {
  mode: 'full';
  /** The credential the image holds (K_t unsealed); give it to a TerminalClient with `hardwareHash`. */
  credential: TerminalCredential;
  /** This hardware's fingerprint hash: the SDK sends evidence of it in every hello. */
  hardwareHash: Uint8Array;
  lotId: string;
  policy: SuitePolicy;
  /** Ed25519 public key (32 bytes) that signs update manifests. */
  updatePublicKey: Uint8Array;
}

/**
 * Why a terminal came up restricted: `hardware_mismatch` — the image does not unseal with
 * this hardware's fingerprint (moved or cloned image, replaced board, changed identifiers);
 * `hardware_unreadable` — the fingerprint adapter could not read the identifiers.
 */
export type RestrictedReason = 'hardware_mismatch' | 'hardware_unreadable';

/** The image is intact but does not unseal here: update-only. Holds no secret. */
export interface RestrictedBoot {
  mode: 'restricted';
  reason: RestrictedReason;
  /** A sentence for logs and support, never a secret. */
  detail: string;
  terminalId: string;
  lotId: string;
  kid: number;
  url: string;
  serverId: string;
  /** Ed25519 public key (32 bytes) that signs update manifests: restricted terminals still verify updates. */
  updatePublicKey: Uint8Array;
  policy: SuitePolicy;
}

/** The outcome of a boot. */
export type BootResult = FullBoot | RestrictedBoot;

function policyOf(image: OtpImage): SuitePolicy {
  return { handshakeSuites: [...image.handshakeSuites], aeadSuites: [...image.aeadSuites] };
}

function restricted(image: OtpImage, reason: RestrictedReason, detail: string): RestrictedBoot {
  const { terminalId, lotId, kid, url, serverId, updatePublicKey } = image;
  return { mode: 'restricted', reason, detail, terminalId, lotId, kid, url, serverId, updatePublicKey, policy: policyOf(image) };
}

/** Reads the OTP image; `otp.missing` when there is none, `otp.image_corrupt` when it is damaged. */
export async function readOtpImage(p: Primitives, store: OtpStore): Promise<OtpImage> {
  const bytes = await store.read();
  if (bytes === undefined || bytes.length === 0) throw new TesseraError('otp.missing', 'no OTP image has been written to this terminal; provision it at the factory first');
  return parseOtpImage(p, bytes);
}

/**
 * Boots a factory-made terminal. Throws `otp.missing` (nothing written) or
 * `otp.image_corrupt` (a damaged or altered byte); otherwise returns `full` with the
 * credential, or `restricted` with the reason.
 * @example
 * const boot = await bootTerminal({ otpStore, hardware: new LinuxHardwareFingerprint(), primitives: nodePrimitives });
 * if (boot.mode === 'full') await TerminalClient.fromBoot(boot, { primitives: nodePrimitives }).login();
 */
export async function bootTerminal(options: BootOptions): Promise<BootResult> {
  const p = options.primitives;
  const image = await readOtpImage(p, options.otpStore);
  let fph: Uint8Array;
  try {
    fph = fingerprintHash(p, await options.hardware.read());
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return restricted(image, 'hardware_unreadable', `the hardware identifiers could not be read: ${why}`);
  }
  const key = unsealOtpImage(p, image, fph);
  if (!key) return restricted(image, 'hardware_mismatch', `the OTP image of ${image.terminalId} was sealed for other hardware`);
  let credential: TerminalCredential;
  try {
    credential = parseCredential({
      version: 1,
      terminalId: image.terminalId,
      kid: image.kid,
      key: toBase64Url(key),
      serverId: image.serverId,
      url: image.url,
      suites: [...image.handshakeSuites],
      lotId: image.lotId,
    });
  } catch (err) {
    // The digest and the seal hold, so the factory wrote a field the SDK cannot use.
    throw new TesseraError('otp.image_corrupt', `the OTP image holds an unusable field: ${(err as Error).message}`);
  }
  return { mode: 'full', credential, hardwareHash: fph, lotId: image.lotId, policy: policyOf(image), updatePublicKey: image.updatePublicKey };
}
