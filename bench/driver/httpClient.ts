// A lean keep-alive HTTP/1.1 JSON POST client on node:net for the load driver. node:http's
// client costs more CPU per request than a bare Fastify server does to answer it, which on
// a 2-core machine made the floor measure the driver instead of the server; this one writes
// the request in one piece and parses only the status line and Content-Length. One socket
// per in-flight request (pooled), a per-request timeout so nothing can hang the run.
import net from 'node:net';

/** Status and body text of one answer. */
export interface HttpAnswer {
  status: number;
  text: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One persistent connection carrying one request at a time. */
class Connection {
  readonly #socket: net.Socket;
  #buffer: Buffer | undefined;
  #pending: { resolve: (a: HttpAnswer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | undefined;
  /** No further request may use it (closed, failed, or the server said `connection: close`). */
  dead = false;

  constructor(host: string, port: number) {
    this.#socket = net.connect({ host, port, noDelay: true });
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (err) => this.#fail(err));
    this.#socket.on('close', () => this.#fail(new Error('connection closed by the server')));
  }

  request(data: string, timeoutMs: number): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      this.#pending = { resolve, reject, timer };
      this.#socket.write(data);
    });
  }

  destroy(): void {
    this.dead = true;
    this.#socket.destroy();
  }

  #fail(err: Error): void {
    this.dead = true;
    this.#socket.destroy();
    const p = this.#pending;
    this.#pending = undefined;
    if (p) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  #onData(chunk: Buffer): void {
    const buf = this.#buffer ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const headerEnd = buf.indexOf(HEADER_END);
    if (headerEnd < 0) {
      this.#buffer = buf;
      return;
    }
    const head = buf.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
    if (!length) {
      this.#fail(new Error(`answer without Content-Length (not supported by this driver): ${head.slice(0, 100)}`));
      return;
    }
    const end = headerEnd + 4 + Number(length[1]);
    if (buf.length < end) {
      this.#buffer = buf;
      return;
    }
    this.#buffer = undefined;
    if (buf.length > end) {
      this.#fail(new Error('unexpected bytes after the answer'));
      return;
    }
    if (/\r\nconnection:[ \t]*close/i.test(head)) this.dead = true;
    const p = this.#pending;
    this.#pending = undefined;
    if (!p) {
      this.#fail(new Error('answer without a request'));
      return;
    }
    clearTimeout(p.timer);
    p.resolve({ status: Number(head.slice(9, 12)), text: buf.toString('utf8', headerEnd + 4, end) });
  }
}

/** POSTs JSON bodies to one origin over pooled keep-alive connections. */
export class JsonPoster {
  readonly #host: string;
  readonly #port: number;
  readonly #hostHeader: string;
  readonly #timeoutMs: number;
  readonly #free: Connection[] = [];
  readonly #all = new Set<Connection>();

  constructor(base: string, timeoutMs: number) {
    const url = new URL(base);
    if (url.protocol !== 'http:') throw new Error(`only http:// targets are supported (got ${base})`);
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(url.port || 80);
    this.#hostHeader = url.host;
    this.#timeoutMs = timeoutMs;
  }

  async post(path: string, body: string): Promise<HttpAnswer> {
    let conn = this.#free.pop();
    while (conn?.dead) {
      this.#all.delete(conn);
      conn = this.#free.pop();
    }
    if (!conn) {
      conn = new Connection(this.#host, this.#port);
      this.#all.add(conn);
    }
    const data =
      `POST ${path} HTTP/1.1\r\nhost: ${this.#hostHeader}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    try {
      const answer = await conn.request(data, this.#timeoutMs);
      if (!conn.dead) this.#free.push(conn);
      return answer;
    } catch (err) {
      conn.destroy();
      this.#all.delete(conn);
      throw err;
    }
  }

  close(): void {
    for (const conn of this.#all) conn.destroy();
    this.#all.clear();
    this.#free.length = 0;
  }
}
