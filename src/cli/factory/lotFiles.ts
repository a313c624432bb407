// The append-only files of a lot directory (images.otp, images.idx, bundle/records.ndjson),
// opened at the length the checkpoint recorded: a resumed run first cuts off whatever a
// crashed run wrote after its last checkpoint, then appends.
import { closeSync, createReadStream, existsSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { TesseraError } from '../../protocol/errors.ts';
import type { Checkpoint } from './checkpoint.ts';
import { LOT_FILES, PACK_HEADER } from './otpPack.ts';

/** One append-only file at a known length. */
class AppendFile {
  readonly path: string;
  readonly #fd: number;
  #length: number;

  constructor(path: string, length: number) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.#fd = openSync(path, existsSync(path) ? 'r+' : 'w+', 0o600);
    if (fstatSync(this.#fd).size < length) {
      closeSync(this.#fd);
      throw new TesseraError('input.invalid', `${path} is shorter than its checkpoint says (power loss?); remove the lot directory and provision again (terminal keys are deterministic, nothing is lost)`);
    }
    ftruncateSync(this.#fd, length);
    this.#length = length;
  }

  get length(): number {
    return this.#length;
  }

  append(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(this.#fd, bytes, off, bytes.length - off, this.#length + off);
    this.#length += bytes.length;
  }

  sync(): void {
    fdatasyncSync(this.#fd);
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/** The three data files of a lot directory. */
export interface LotFiles {
  pack: AppendFile;
  index: AppendFile;
  records: AppendFile;
  sync(): void;
  close(): void;
}

/** Opens (and cuts back to the checkpoint) the data files; a fresh pack gets its header. */
export function openLotFiles(dir: string, cp: Checkpoint): LotFiles {
  const fresh = cp.done === 0;
  const pack = new AppendFile(join(dir, LOT_FILES.pack), fresh ? 0 : cp.packBytes);
  if (fresh) pack.append(PACK_HEADER);
  const index = new AppendFile(join(dir, LOT_FILES.index), fresh ? 0 : cp.indexBytes);
  const records = new AppendFile(join(dir, LOT_FILES.records), fresh ? 0 : cp.recordsBytes);
  const all = [pack, index, records];
  return {
    pack,
    index,
    records,
    sync: () => {
      for (const f of all) f.sync();
    },
    close: () => {
      for (const f of all) f.close();
    },
  };
}

/** A record line of records.ndjson (ids and hashes are ASCII, so its length is its byte count). */
export const recordLine = (terminalId: string, hwHash: string): string => `{"terminalId":"${terminalId}","hwHash":"${hwHash}"}\n`;

/** Streams the records of records.ndjson between two byte offsets. */
export async function* readRecords(path: string, start: number, end: number): AsyncGenerator<{ terminalId: string; hwHash: string; offset: number }> {
  if (end <= start) return;
  const rl = createInterface({ input: createReadStream(path, { start, end: end - 1, encoding: 'latin1' }), crlfDelay: Number.POSITIVE_INFINITY });
  let offset = start;
  for await (const line of rl) {
    let r: { terminalId?: unknown; hwHash?: unknown };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      throw new TesseraError('input.invalid', `${path}: the record at byte ${offset} is not JSON`);
    }
    if (typeof r.terminalId !== 'string' || typeof r.hwHash !== 'string') throw new TesseraError('input.invalid', `${path}: the record at byte ${offset} is not a bundle record`);
    yield { terminalId: r.terminalId, hwHash: r.hwHash, offset };
    offset += line.length + 1;
  }
}
