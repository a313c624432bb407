// The image pack of a provisioned lot (docs/factory.md §5): `images.otp` is an 8-byte header
// ("TSPK", version 1, three zero bytes) followed by one record per terminal, a u32 big-endian
// length then the OTP image; `images.idx` has one line per record, "terminalId offset length",
// the offset of the image itself. Both are append-only; a resumed run truncates them back to
// its checkpoint first.
import { closeSync, createReadStream, existsSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { TesseraError } from '../../protocol/errors.ts';

/** File names inside a lot directory. */
export const LOT_FILES = Object.freeze({
  pack: 'images.otp',
  index: 'images.idx',
  records: 'bundle/records.ndjson',
  manifest: 'bundle/manifest.json',
  checkpoint: 'progress.json',
});

/** The pack header. */
export const PACK_HEADER = new Uint8Array([0x54, 0x53, 0x50, 0x4b, 1, 0, 0, 0]);

/** Where one image sits in the pack. */
export interface PackEntry {
  terminalId: string;
  /** 1-based position in the lot. */
  position: number;
  offset: number;
  length: number;
}

/** One index line. */
export function indexLine(terminalId: string, offset: number, length: number): string {
  return `${terminalId} ${offset} ${length}\n`;
}

const INDEX_LINE = /^(\S+) (\d{1,15}) (\d{1,15})$/;

/** Finds a terminal (by id, or by 1-based position) in an index file; undefined if absent. A line not of the index's form refuses the file. */
export async function findInIndex(indexPath: string, want: { terminalId?: string; position?: number }): Promise<PackEntry | undefined> {
  const lines = createInterface({ input: createReadStream(indexPath), crlfDelay: Number.POSITIVE_INFINITY });
  let position = 0;
  try {
    for await (const line of lines) {
      if (line === '') continue;
      position++;
      const m = INDEX_LINE.exec(line);
      if (!m) throw new TesseraError('input.invalid', `${indexPath} is not an image index (line ${position})`);
      const [, terminalId, offset, length] = m;
      if (want.position === position || (want.terminalId !== undefined && terminalId === want.terminalId)) {
        return { terminalId: terminalId!, position, offset: Number(offset), length: Number(length) };
      }
    }
  } finally {
    lines.close();
  }
  return undefined;
}

/** Reads one image from a pack, checking the record's own length prefix against the entry. */
export function readPackImage(packPath: string, entry: PackEntry): Uint8Array {
  if (!existsSync(packPath)) throw new TesseraError('input.invalid', `no pack at ${packPath}`);
  const fd = openSync(packPath, 'r');
  try {
    const head = new Uint8Array(PACK_HEADER.length);
    readSync(fd, head, 0, head.length, 0);
    if (!head.every((b, i) => b === PACK_HEADER[i])) throw new TesseraError('input.invalid', `${packPath} is not a Tessera image pack (version 1)`);
    const prefix = new Uint8Array(4);
    if (entry.offset < PACK_HEADER.length + 4 || readSync(fd, prefix, 0, 4, entry.offset - 4) !== 4) throw new TesseraError('input.invalid', `the index points outside ${packPath}`);
    const length = new DataView(prefix.buffer).getUint32(0);
    if (length !== entry.length) throw new TesseraError('input.invalid', `the index does not match ${packPath} at offset ${entry.offset}`);
    const image = new Uint8Array(length);
    if (readSync(fd, image, 0, length, entry.offset) !== length) throw new TesseraError('input.invalid', `${packPath} is truncated`);
    return image;
  } finally {
    closeSync(fd);
  }
}
