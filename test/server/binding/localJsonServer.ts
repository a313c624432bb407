// A local HTTP server on 127.0.0.1 port 0 that records JSON requests and answers with what
// the test scripts: stands in for an SMS gateway or an operator's CAMARA SIM Swap API.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the server received. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** What to answer: status and JSON body (or raw text), optionally after a delay. */
export type Answer = { status: number; json?: unknown; text?: string; delayMs?: number };

/** An answer, or a function of the request giving one (a promise holds the answer until it settles). */
export type Answering = Answer | ((r: Received) => Answer | Promise<Answer>);

export interface LocalJsonServer {
  url: string;
  received: Received[];
  /** Sets the answer for a path (default 200 `{}`). */
  answer(path: string, answer: Answering): void;
  close(): Promise<void>;
}

export async function startLocalJsonServer(): Promise<LocalJsonServer> {
  const received: Received[] = [];
  const answers = new Map<string, Answering>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {}
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      received.push(r);
      const scripted = answers.get(r.path) ?? { status: 200, json: {} };
      Promise.resolve(typeof scripted === 'function' ? scripted(r) : scripted).then(
        (a) =>
          setTimeout(() => {
            if (a.text !== undefined) res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.text);
            else res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.json ?? {}));
          }, a.delayMs ?? 0),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (path, a) => void answers.set(path, a),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
