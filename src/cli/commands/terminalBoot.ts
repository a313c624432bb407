// `tessera terminal boot` (the SDK's boot check: full or restricted), `tessera terminal
// fingerprint` (print the hardware descriptor a Linux device reads, for the factory station)
// and `tessera terminal write-otp` (write an image into a write-once OTP file). The hardware
// comes from a descriptor file (simulated device) or from the Linux system itself. Also the
// terminal client the commands that run as the terminal use: from a credential file, or booted
// from an OTP image.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { toBase64Url } from '../../protocol/bytes.ts';
import { parseCredential, type TerminalCredential } from '../../protocol/credential.ts';
import { TesseraError } from '../../protocol/errors.ts';
import { type HardwareDescriptor, fingerprintHash } from '../../protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives } from '../../protocol/nodePrimitives.ts';
import { parseOtpImage } from '../../protocol/otp/otpImage.ts';
import { type BootResult, bootTerminal, readOtpImage } from '../../terminal/bootTerminal.ts';
import { type HardwareFingerprint, SimulatedHardwareFingerprint } from '../../terminal/hardwareFingerprint.ts';
import { FileOtpStore } from '../../terminal/node/fileOtpStore.ts';
import { LinuxHardwareFingerprint } from '../../terminal/node/linuxHardwareFingerprint.ts';
import { TerminalClient } from '../../terminal/terminalClient.ts';
import { serverUrl } from '../adminClient.ts';
import { print, readInput } from '../output.ts';

/** The hardware options shared by boot, login and fingerprint. */
export interface HardwareOptions {
  hardwareFile?: string;
  linux?: boolean;
  sysroot?: string;
}

/** Adds `--hardware-file`, `--linux` and `--sysroot`. */
export function hardwareOptions(cmd: Command): Command {
  return cmd
    .option('--hardware-file <file>', 'simulated device: a JSON hardware descriptor, or a devices.jsonl whose line has this terminal\'s "terminalId"')
    .option('--linux', 'read this Linux system\'s machine id, DMI product UUID and physical NIC MACs')
    .option('--sysroot <dir>', 'with --linux: read /etc and /sys under this directory instead of /');
}

function parseDescriptor(value: unknown, where: string): HardwareDescriptor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TesseraError('input.invalid', `${where} is not a JSON object`);
  const descriptor = value as HardwareDescriptor;
  fingerprintHash(nodePrimitives, descriptor); // input.invalid with the field named, before any boot
  return descriptor;
}

/**
 * Reads a descriptor file: one JSON object, or JSON lines (a factory devices.jsonl) from
 * which the line whose `terminalId` is `terminalId` is taken.
 */
export function readDescriptorFile(path: string, terminalId?: string): HardwareDescriptor {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TesseraError('input.invalid', `cannot read the hardware file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length <= 1) {
    try {
      return parseDescriptor(JSON.parse(text), path);
    } catch (err) {
      if (err instanceof TesseraError) throw err;
      throw new TesseraError('input.invalid', `${path} is not JSON`);
    }
  }
  if (terminalId === undefined) throw new TesseraError('input.invalid', `${path} holds several descriptors; give a file with one`);
  for (const [i, line] of lines.entries()) {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new TesseraError('input.invalid', `${path} line ${i + 1} is not JSON`);
    }
    if ((v as { terminalId?: unknown })?.terminalId === terminalId) return parseDescriptor(v, `${path} line ${i + 1}`);
  }
  throw new TesseraError('input.invalid', `${path} has no line with "terminalId": ${JSON.stringify(terminalId)}`);
}

/** The HardwareFingerprint the options name (exactly one of --hardware-file or --linux). */
function hardwareFrom(opts: HardwareOptions, terminalId?: string): HardwareFingerprint {
  if (Boolean(opts.hardwareFile) === Boolean(opts.linux)) throw new TesseraError('input.invalid', 'give exactly one of --hardware-file <file> or --linux');
  if (opts.sysroot && !opts.linux) throw new TesseraError('input.invalid', '--sysroot goes with --linux');
  if (opts.hardwareFile) return new SimulatedHardwareFingerprint(readDescriptorFile(opts.hardwareFile, terminalId));
  return new LinuxHardwareFingerprint(opts.sysroot ? { root: opts.sysroot } : {});
}

/** Boots from `--otp FILE` and the hardware options. */
async function bootFromOptions(opts: HardwareOptions & { otp: string }): Promise<BootResult> {
  const otpStore = new FileOtpStore(opts.otp);
  // The image's terminal id picks the line of a devices.jsonl; a bad image fails here first.
  const image = await readOtpImage(nodePrimitives, otpStore);
  return bootTerminal({ otpStore, hardware: hardwareFrom(opts, image.terminalId), primitives: nodePrimitives });
}

/** The boot outcome as JSON: public fields only, never the key. */
function bootView(boot: BootResult): Record<string, unknown> {
  const common = { lotId: boot.lotId, handshakeSuites: boot.policy.handshakeSuites, aeadSuites: boot.policy.aeadSuites, updatePublicKey: toBase64Url(boot.updatePublicKey) };
  if (boot.mode === 'full') {
    const c = boot.credential;
    return { mode: 'full', terminalId: c.terminalId, kid: c.kid, serverId: c.serverId, url: c.url, ...common };
  }
  return { mode: 'restricted', reason: boot.reason, detail: boot.detail, terminalId: boot.terminalId, kid: boot.kid, serverId: boot.serverId, url: boot.url, ...common };
}

/** `tessera terminal boot`. */
export function bootCommand(): Command {
  return hardwareOptions(new Command('boot'))
    .description('Run the boot check: open the OTP image with this hardware\'s fingerprint; prints "full" or "restricted (<reason>)"')
    .requiredOption('--otp <file>', 'the OTP image file')
    .option('--json', 'print the outcome as JSON (public fields only)')
    .addHelpText('after', '\nExit 0 for full and restricted; 1 for a damaged or altered image (otp.image_corrupt), an image format this version does not read (otp.version_unsupported) or none (otp.missing).\n\nExample:\n  tessera terminal boot --otp /var/lib/tessera/otp.img --linux')
    .action(async (opts: HardwareOptions & { otp: string; json?: boolean }) => {
      const boot = await bootFromOptions(opts);
      print(opts.json ? JSON.stringify(bootView(boot)) : boot.mode === 'full' ? 'full' : `restricted (${boot.reason})`);
    });
}

/** `tessera terminal fingerprint`. */
export function fingerprintCommand(): Command {
  return hardwareOptions(new Command('fingerprint'))
    .description('Print the hardware descriptor this device reads, as one JSON line (what the factory station records in devices.jsonl)')
    .option('--terminal-id <id>', 'add "terminalId" to the line (metadata, not part of the fingerprint)')
    .addHelpText('after', '\nRun it with the privileges the terminal software will have: the DMI UUID is root-only.\n\nExample:\n  tessera terminal fingerprint --linux --terminal-id L-2026-11-000001 >> devices.jsonl')
    .action(async (opts: HardwareOptions & { terminalId?: string }) => {
      const descriptor = await hardwareFrom(opts).read();
      print(JSON.stringify(opts.terminalId ? { terminalId: opts.terminalId, ...descriptor } : descriptor));
    });
}

/** `tessera terminal write-otp`. */
export function writeOtpCommand(): Command {
  return new Command('write-otp')
    .description('Write an OTP image into a write-once file (created exclusively, then made read-only); a second write is refused')
    .requiredOption('--image <file>', 'the image the factory made for this terminal')
    .requiredOption('--otp <file>', 'the OTP file to create')
    .action(async (opts: { image: string; otp: string }) => {
      const bytes = readInput(opts.image, 'image');
      const image = parseOtpImage(nodePrimitives, bytes); // never burn a damaged image
      await new FileOtpStore(opts.otp).write(bytes);
      print(`wrote the OTP image of ${image.terminalId} (lot ${image.lotId}) to ${opts.otp}`);
    });
}

/**
 * The client of a terminal given by its OTP image: boots, and refuses with `terminal.restricted` when
 * the image does not unseal here (a restricted terminal has no key to log in with).
 */
async function bootedClient(opts: HardwareOptions & { otp: string; url?: string }): Promise<TerminalClient> {
  const boot = await bootFromOptions(opts);
  if (boot.mode === 'restricted') {
    throw new TesseraError('terminal.restricted', `terminal ${boot.terminalId} booted restricted (${boot.reason}): ${boot.detail}; only software updates are allowed`);
  }
  return TerminalClient.fromBoot(boot, { primitives: nodePrimitives, ...(opts.url !== undefined ? { url: serverUrl(opts, {}) } : {}) });
}

/** Reads and checks a credential file. */
export function readCredentialFile(path: string): TerminalCredential {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TesseraError('credential.invalid', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return parseCredential(JSON.parse(text));
  } catch (err) {
    if (err instanceof TesseraError) throw err;
    throw new TesseraError('credential.invalid', `${path} is not JSON`);
  }
}

/** How a command running as the terminal names it: `--credential FILE`, or `--otp FILE` with the hardware options. */
export interface TerminalSourceOptions extends HardwareOptions {
  credential?: string;
  otp?: string;
  url?: string;
}

/** The terminal client the options name: exactly one of `--credential` or `--otp` (booted, see bootedClient). */
export async function terminalClientFrom(opts: TerminalSourceOptions): Promise<TerminalClient> {
  if (Boolean(opts.credential) === Boolean(opts.otp)) throw new TesseraError('input.invalid', 'give exactly one of --credential <file> or --otp <file>');
  return opts.otp
    ? bootedClient({ ...opts, otp: opts.otp })
    : new TerminalClient({ credential: readCredentialFile(opts.credential!), primitives: nodePrimitives, ...(opts.url !== undefined ? { url: serverUrl(opts, {}) } : {}) });
}
