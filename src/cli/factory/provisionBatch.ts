// One batch of terminals of a lot, as a worker thread (or the main thread, for small lots)
// computes it: descriptors → ids, fingerprints and OTP images, packed ready to append to the
// lot's files. Keys never leave this function; only sealed images and public facts do.
import { type ErrorCode, isTesseraError } from '../../protocol/errors.ts';
import { LotProvisioner, terminalIdOf } from '../../protocol/factory/provisionTerminal.ts';
import { simulatedLotFingerprints } from '../../protocol/factory/simulatedLotDescriptor.ts';
import type { LotMaterial } from '../../protocol/factory/stationFile.ts';
import { fingerprintHash, type HardwareDescriptor } from '../../protocol/hardware/hardwareFingerprint.ts';
import type { Primitives } from '../../protocol/primitives.ts';

/** Terminals `first` … `first + count - 1` (1-based positions), simulated or from lines. */
export interface ProvisionJob {
  first: number;
  count: number;
  /** Hardware descriptor lines (JSON objects); absent for --simulate. */
  lines?: string[];
  /** Input line number of each descriptor, for error messages. */
  lineNumbers?: number[];
}

/** A computed batch: every terminal of the job, or those before the first bad descriptor. */
export interface ProvisionBatch {
  ids: string[];
  /** base64url fph per terminal (the bundle's hwHash). */
  hwHashes: string[];
  /** 32 bytes of fph per terminal, concatenated. */
  fph: Uint8Array;
  /** Pack records: u32 length then image, per terminal. */
  pack: Uint8Array;
  lengths: Uint32Array;
  /** The descriptor the batch stopped at, if one was bad. */
  failure?: ProvisionFailure;
}

/** Where and why a batch stopped. */
export interface ProvisionFailure {
  position: number;
  line: number | null;
  code: ErrorCode | null;
  message: string;
}

/** Computes the batches of one lot. */
export type BatchProvisioner = (job: ProvisionJob) => ProvisionBatch;

/** A simulated descriptor names no terminal: the id is the default one. */
const NO_METADATA: HardwareDescriptor = Object.freeze({});

function descriptorOf(text: string): HardwareDescriptor {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the line is not a JSON object');
  return value as HardwareDescriptor;
}

const failureOf = (job: ProvisionJob, i: number, err: unknown): ProvisionFailure => ({
  position: job.first + i,
  line: job.lineNumbers?.[i] ?? null,
  code: isTesseraError(err) ? err.code : null,
  message: err instanceof Error ? err.message : String(err),
});

/**
 * The batch computation of a lot. What is the same for every batch (the lot's image template,
 * the simulated fingerprint transcripts) is made once here. A batch is made in two passes:
 * ids and fingerprints first (stopping at the first bad descriptor), then every image written
 * into one pack buffer of the exact size, with the salts and nonces of the whole batch drawn
 * from the CSPRNG in one call.
 */
export function batchProvisioner(p: Primitives, lot: LotMaterial): BatchProvisioner {
  const lotId = lot.fields.lotId;
  const provisioner = new LotProvisioner(p, lot);
  const simulatedFph = simulatedLotFingerprints(p, lotId);
  const randomLength = provisioner.randomLength;

  return (job) => {
    const ids: string[] = [];
    const fph = new Uint8Array(32 * job.count);
    let failure: ProvisionFailure | undefined;
    let packSize = 0;
    for (let i = 0; i < job.count; i++) {
      const position = job.first + i;
      try {
        if (job.lines) {
          const descriptor = descriptorOf(job.lines[i]!);
          const id = terminalIdOf(lotId, position, descriptor);
          fph.set(fingerprintHash(p, descriptor), 32 * i);
          ids.push(id);
        } else {
          const id = terminalIdOf(lotId, position, NO_METADATA);
          fph.set(simulatedFph(position), 32 * i);
          ids.push(id);
        }
      } catch (err) {
        failure = failureOf(job, i, err);
        break;
      }
      packSize += 4 + provisioner.imageLength(ids[i]!);
    }
    let n = ids.length;
    const pack = new Uint8Array(packSize);
    const view = new DataView(pack.buffer);
    const lengths = new Uint32Array(n);
    const random = p.randomBytes(n * randomLength);
    let off = 0;
    for (let i = 0; i < n; i++) {
      try {
        const length = provisioner.writeImage(ids[i]!, fph.subarray(32 * i, 32 * i + 32), pack, off + 4, random.subarray(i * randomLength, (i + 1) * randomLength));
        view.setUint32(off, length);
        lengths[i] = length;
        off += 4 + length;
      } catch (err) {
        failure = failureOf(job, i, err);
        n = i;
        break;
      }
    }
    const fphBytes = Buffer.from(fph.buffer, fph.byteOffset, 32 * n);
    const hwHashes = new Array<string>(n);
    for (let i = 0; i < n; i++) hwHashes[i] = fphBytes.toString('base64url', 32 * i, 32 * i + 32);
    const whole = n === ids.length;
    return {
      ids: whole ? ids : ids.slice(0, n),
      hwHashes,
      fph: n === job.count ? fph : fph.slice(0, 32 * n),
      pack: whole ? pack : pack.slice(0, off),
      lengths: whole ? lengths : lengths.slice(0, n),
      ...(failure ? { failure } : {}),
    };
  };
}
