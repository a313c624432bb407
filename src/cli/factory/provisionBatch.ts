// One batch of terminals of a lot, as a worker thread (or the main thread, for small lots)
// computes it: descriptors → ids, fingerprints and OTP images, packed ready to append to the
// lot's files. Keys never leave this function; only sealed images and public facts do.
import { toBase64Url } from '../../protocol/bytes.ts';
import { type ErrorCode, isTesseraError } from '../../protocol/errors.ts';
import { provisionTerminal } from '../../protocol/factory/provisionTerminal.ts';
import { simulatedLotDescriptor } from '../../protocol/factory/simulatedLotDescriptor.ts';
import type { LotMaterial } from '../../protocol/factory/stationFile.ts';
import type { HardwareDescriptor } from '../../protocol/hardware/hardwareFingerprint.ts';
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

function descriptorOf(text: string): HardwareDescriptor {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the line is not a JSON object');
  return value as HardwareDescriptor;
}

/** Computes a batch, stopping at the first bad descriptor (reported with its position and line). */
export function provisionBatch(p: Primitives, lot: LotMaterial, job: ProvisionJob): ProvisionBatch {
  const ids: string[] = [];
  const hwHashes: string[] = [];
  const images: Uint8Array[] = [];
  const fph = new Uint8Array(32 * job.count);
  const lengths = new Uint32Array(job.count);
  let failure: ProvisionFailure | undefined;
  let packSize = 0;
  for (let i = 0; i < job.count; i++) {
    const position = job.first + i;
    let t: ReturnType<typeof provisionTerminal>;
    try {
      const descriptor = job.lines ? descriptorOf(job.lines[i]!) : simulatedLotDescriptor(p, lot.fields.lotId, position);
      t = provisionTerminal(p, lot, position, descriptor);
    } catch (err) {
      failure = { position, line: job.lineNumbers?.[i] ?? null, code: isTesseraError(err) ? err.code : null, message: err instanceof Error ? err.message : String(err) };
      break;
    }
    const hw = toBase64Url(t.fph);
    ids.push(t.terminalId);
    hwHashes.push(hw);
    fph.set(t.fph, 32 * i);
    images.push(t.image);
    lengths[i] = t.image.length;
    packSize += 4 + t.image.length;
  }
  const pack = new Uint8Array(packSize);
  const view = new DataView(pack.buffer);
  let off = 0;
  for (const image of images) {
    view.setUint32(off, image.length);
    pack.set(image, off + 4);
    off += 4 + image.length;
  }
  const n = ids.length;
  return { ids, hwHashes, fph: n === job.count ? fph : fph.slice(0, 32 * n), pack, lengths: n === job.count ? lengths : lengths.slice(0, n), ...(failure ? { failure } : {}) };
}
