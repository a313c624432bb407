// Helpers of the hostile-server tests: a real node:http server on 127.0.0.1 whose handler
// misbehaves as a test says, what it saw, and the credential, restricted boot and manifest a
// terminal needs to talk to it. No fetch is mocked: the SDK talks HTTP to these servers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { toBase64Url } from '../../../src/protocol/bytes.ts';
import type { TerminalCredential } from '../../../src/protocol/credential.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import type { UpdateManifest } from '../../../src/protocol/updates/updateManifest.ts';
import type { RestrictedBoot } from '../../../src/terminal/bootTerminal.ts';

/** A request the hostile server received. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** A running hostile server. */
export interface HostileServer {
  url: string;
  /** Every request that reached it, in order. */
  seen: SeenRequest[];
  /** Resolves when a connection of this server closes, with the bytes it had written. */
  connectionClosed(): Promise<number>;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 (port 0) that hands every request to `handler`. */
export async function startHostileServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<HostileServer> {
  const seen: SeenRequest[] = [];
  const closed: Array<(written: number) => void> = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  server.on('connection', (socket) => socket.on('close', () => closed.shift()?.(socket.bytesWritten)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    connectionClosed: () => new Promise((resolve) => closed.push(resolve)),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * For a describe block: a start function like {@link startHostileServer} whose servers are all
 * closed after the block's tests.
 */
export function hostileServersOfSuite(): typeof startHostileServer {
  const servers: HostileServer[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));
  return async (handler) => {
    const server = await startHostileServer(handler);
    servers.push(server);
    return server;
  };
}

/** Forwards a request to `upstream` as it came (its Host too, so signatures still verify) and relays the answer. */
export function forward(req: http.IncomingMessage, res: http.ServerResponse, upstream: string): void {
  const { hostname, port } = new URL(upstream);
  const out = http.request({ host: hostname, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}

/** A credential for a terminal of the server at `url` (its key is random: a fake server cannot prove itself to it). */
export function credentialFor(url: string): TerminalCredential {
  return { version: 1, terminalId: 'T-hostile', kid: 1, key: toBase64Url(nodePrimitives.randomBytes(32)), serverId: 'tessera-test', url, suites: ['hmac-sha256'] };
}

/** What a restricted boot gives a terminal whose server is at `url`. */
export function restrictedBootFor(url: string): RestrictedBoot {
  return {
    mode: 'restricted',
    reason: 'hardware_mismatch',
    detail: 'test',
    terminalId: 'T-hostile',
    lotId: 'L-hostile',
    kid: 1,
    url,
    serverId: 'tessera-test',
    updatePublicKey: nodePrimitives.randomBytes(32),
    policy: { handshakeSuites: ['hmac-sha256'], aeadSuites: ['aes-256-gcm'] },
  };
}

/** A manifest as if verified: download() checks the file against it. */
export function manifestOf(size: number): UpdateManifest {
  return { version: '1.0.1', fileName: 'fw.bin', size, sha256: '0'.repeat(64), minVersion: null, lots: [], createdAt: new Date(0).toISOString() };
}

/** A problem+json answer. */
export function problem(res: http.ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  res.end(JSON.stringify(body));
}
