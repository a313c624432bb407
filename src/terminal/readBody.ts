// Reads an answer's body from its stream, never more than a limit: a server that sends
// without end, or announces more than the limit, is cut off (the stream cancelled, which
// closes the connection) instead of filling the terminal's memory. A stream that fails
// midway is `client.network`; one that stalls past the deadline is `client.timeout`.
import type { Deadline } from './deadline.ts';
import { networkError } from './networkError.ts';

/** What readBody read. */
export interface BodyRead {
  /** The bytes read, at most `limit`. */
  bytes: Uint8Array;
  /** The body was longer than `limit` (or announced so): it was cut off. */
  over: boolean;
}

/** Options of {@link readBody}. */
export interface ReadBodyOptions {
  /** The request's URL, for error messages. */
  url: string;
  deadline: Deadline;
  /** Restart the deadline after every part (a download), instead of one deadline for the whole body. */
  perPart?: boolean;
  /** Called with the number of bytes received so far. */
  onProgress?: (received: number) => void;
}

/** Reads at most `limit` bytes of `res`'s body. */
export async function readBody(res: Response, limit: number, options: ReadBodyOptions): Promise<BodyRead> {
  const { deadline } = options;
  if (!res.body) return { bytes: new Uint8Array(0), over: false };
  const reader = res.body.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  if (Number(res.headers.get('content-length')) > limit) {
    stop();
    return { bytes: new Uint8Array(0), over: true };
  }
  const parts: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    let part: Awaited<ReturnType<typeof reader.read>>;
    try {
      part = await deadline.race(reader.read());
    } catch (err) {
      stop();
      throw deadline.expired ? deadline.error() : networkError(err, options.url, 'the answer broke off from');
    }
    if (part.done) break;
    parts.push(part.value);
    received += part.value.length;
    options.onProgress?.(received);
    if (received > limit) {
      stop();
      break;
    }
    if (options.perPart) deadline.restart();
  }
  return { bytes: concat(parts, Math.min(received, limit)), over: received > limit };
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let off = 0;
  for (const p of parts) {
    const n = Math.min(p.length, length - off);
    out.set(p.subarray(0, n), off);
    off += n;
  }
  return out;
}
