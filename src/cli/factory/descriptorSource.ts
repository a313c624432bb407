// Where a lot's hardware descriptors come from: a JSON-lines file written by the factory
// station's readers (one object per device, blank lines ignored), or `--simulate N`. The
// file's descriptor lines (trimmed, each with "\n") are hashed as they are read, so a resumed
// run can tell whether the part already provisioned is still the same input.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { TesseraError } from '../../protocol/errors.ts';
import type { ProvisionJob } from './provisionBatch.ts';

/** A batch of descriptors and the input digest after it. */
export interface SourceBatch {
  job: ProvisionJob;
  /**
   * SHA-256 (base64url) of the descriptors up to and including the `n`-th of this batch
   * (default: all of it); null when simulated.
   */
  digest: (n?: number) => string | null;
}

/** A stream of descriptors. */
export interface DescriptorSource {
  readonly kind: 'simulate' | 'hardware';
  /** What a message names as the input: the hardware file's path, or "--simulate". */
  readonly name: string;
  /** How many descriptors there are (a line count for files), if known. */
  readonly total: number | undefined;
  /** Skips the first `n` descriptors (already provisioned); returns the digest of what it read. */
  skip(n: number): Promise<string | null>;
  /** The remaining descriptors in batches of `size`. */
  batches(size: number): AsyncGenerator<SourceBatch>;
  close(): void;
}

/** `--simulate count`. */
export function simulatedSource(count: number): DescriptorSource {
  let next = 1;
  return {
    kind: 'simulate',
    name: '--simulate',
    total: count,
    async skip(n) {
      next = n + 1;
      return null;
    },
    async *batches(size) {
      for (; next <= count; next += size) yield { job: { first: next, count: Math.min(size, count - next + 1) }, digest: () => null };
    },
    close() {},
  };
}

/** Newline count of a file (the progress bar's total), and whether it holds anything but white space. */
function countLines(path: string): { lines: number; blank: boolean } {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  let lines = 0;
  let last = 0x0a;
  let blank = true;
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) {
      for (let i = buf.indexOf(0x0a); i !== -1 && i < n; i = buf.indexOf(0x0a, i + 1)) lines++;
      if (blank) for (let i = 0; i < n && blank; i++) blank = buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d;
      last = buf[n - 1]!;
    }
  } finally {
    closeSync(fd);
  }
  return { lines: last === 0x0a ? lines : lines + 1, blank };
}

/** `--hardware file.jsonl`. */
export function hardwareSource(path: string): DescriptorSource {
  let count: { lines: number; blank: boolean };
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    count = countLines(path);
  } catch (err) {
    throw new TesseraError('input.invalid', `cannot read the hardware file ${path} (${(err as NodeJS.ErrnoException).code ?? 'not a file'})`);
  }
  if (count.blank) throw new TesseraError('input.invalid', `the hardware file ${path} has no descriptors (it is empty or blank)`);
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  const lines = rl[Symbol.asyncIterator]();
  const hash: Hash = createHash('sha256');
  let lineNo = 0;
  let position = 0;
  const nextDescriptor = async (): Promise<{ text: string; line: number } | undefined> => {
    for (;;) {
      const r = await lines.next();
      if (r.done) return undefined;
      lineNo++;
      const text = r.value.trim();
      if (text !== '') {
        position++;
        return { text, line: lineNo };
      }
    }
  };
  return {
    kind: 'hardware',
    name: path,
    total: count.lines,
    async skip(n) {
      while (position < n) {
        const d = await nextDescriptor();
        if (!d) throw new TesseraError('input.invalid', `the hardware file has ${position} descriptors, but ${n} were already provisioned from it: it is not the same file`);
        hash.update(`${d.text}\n`);
      }
      return hash.copy().digest('base64url');
    },
    async *batches(size) {
      for (;;) {
        const first = position + 1;
        const texts: string[] = [];
        const lineNumbers: number[] = [];
        while (texts.length < size) {
          const d = await nextDescriptor();
          if (!d) break;
          texts.push(d.text);
          lineNumbers.push(d.line);
        }
        if (texts.length === 0) return;
        const start = hash.copy();
        for (const t of texts) hash.update(`${t}\n`);
        const end = hash.copy();
        const digest = (n = texts.length) => {
          if (n === texts.length) return end.copy().digest('base64url');
          const h = start.copy();
          for (let i = 0; i < n; i++) h.update(`${texts[i]}\n`);
          return h.digest('base64url');
        };
        yield { job: { first, count: texts.length, lines: texts, lineNumbers }, digest };
      }
    },
    close: () => rl.close(),
  };
}
