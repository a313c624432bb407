// The progress file of a lot directory (docs/factory.md §5): how far provisioning got, what
// the output files held at that moment and the digests of the finished bundle blocks. It is
// replaced atomically (write, fsync, rename) after the data files are synced, so after any
// crash it describes a consistent prefix of the lot and a rerun continues from there.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64Url } from '../../protocol/bytes.ts';
import { TesseraError } from '../../protocol/errors.ts';
import type { LotMaterial } from '../../protocol/factory/stationFile.ts';
import type { Primitives } from '../../protocol/primitives.ts';
import { transcript } from '../../protocol/transcript.ts';
import { LOT_FILES } from './otpPack.ts';
import { writeFileAtomic } from '../../server/config/atomicFile.ts';

/** progress.json, version 1. */
export interface Checkpoint {
  version: 1;
  lotId: string;
  /** MAC of the station file's content under K_lot: a rerun with another station file is refused. */
  station: string;
  source: 'simulate' | 'hardware';
  /** SHA-256 (base64url) of the hardware lines consumed so far; null for --simulate. */
  inputDigest: string | null;
  /** Terminals provisioned. */
  done: number;
  packBytes: number;
  indexBytes: number;
  recordsBytes: number;
  blockSize: number;
  /** Digests of the finished blocks (the unfinished one is re-read from its records). */
  blocks: string[];
  /** Byte offset in records.ndjson where the unfinished block starts. */
  tailOffset: number;
  /** The database the records were imported into directly, and how many. */
  imported: { target: string; upTo: number } | null;
}

/** A check value of a station file (its key and every field written into images). */
export function stationCheck(p: Primitives, lot: LotMaterial): string {
  const f = lot.fields;
  const fields = [f.lotId, String(f.kid), f.serverId, f.url, f.handshakeSuites.join(','), f.aeadSuites.join(','), f.updatePublicKey];
  return toBase64Url(p.hmac('sha256', lot.lotKey, transcript('factory-checkpoint', fields)).subarray(0, 16));
}

/** Reads the checkpoint of a lot directory; undefined when there is none. */
export function readCheckpoint(dir: string): Checkpoint | undefined {
  const path = join(dir, LOT_FILES.checkpoint);
  if (!existsSync(path)) return undefined;
  try {
    const cp = JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
    if (cp.version !== 1 || !Array.isArray(cp.blocks) || !Number.isSafeInteger(cp.done)) throw new Error('shape');
    return cp;
  } catch {
    throw new TesseraError('input.invalid', `${path} is damaged; remove the lot directory and provision again (terminal keys are deterministic, nothing is lost)`);
  }
}

/** Replaces the checkpoint atomically. The data files must be synced before. */
export function writeCheckpoint(dir: string, cp: Checkpoint): void {
  writeFileAtomic(join(dir, LOT_FILES.checkpoint), `${JSON.stringify(cp)}\n`, 0o600);
}
