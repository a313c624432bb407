// The floor: a bare Fastify server (no logger, no schema, no plugins) with one POST route
// that parses a JSON body and answers a small JSON. What Tessera's HTTP stack costs before
// any handshake work; the benchmark compares handshakes/s against half its requests/s.
// With `--node-http` the same route is served by node:http alone (no framework), which shows
// what Node's HTTP server costs by itself: the part no framework change can remove.
// With `--work-us N` the route first keeps the CPU busy for N µs, as a handshake's own work
// would: what the same HTTP stack costs per request when the server is that much slower.
import http from 'node:http';
import Fastify from 'fastify';

if (!process.send) {
  process.stderr.write('bench/servers/floorServer.ts is started by bench/auth.ts (it needs an IPC channel)\n');
  process.exit(2);
}

const workIndex = process.argv.indexOf('--work-us');
const workNs = workIndex < 0 ? 0n : BigInt(Math.round(Number(process.argv[workIndex + 1]) * 1000));

/** Spins for the --work-us budget (a busy loop: CPU time, not a timer). */
const work = () => {
  if (workNs === 0n) return;
  const end = process.hrtime.bigint() + workNs;
  while (process.hrtime.bigint() < end);
};

const answer = (body: unknown) => {
  work();
  const nonceT = (body as { nonceT?: unknown } | null)?.nonceT;
  return { ok: true, length: typeof nonceT === 'string' ? nonceT.length : 0 };
};

function nodeHttpServer(): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let status = 200;
      let payload: string;
      try {
        payload = JSON.stringify(answer(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      } catch {
        status = 400;
        payload = '{"ok":false}';
      }
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    });
  });
}

let server: http.Server;
let close: () => Promise<void>;
if (process.argv.includes('--node-http')) {
  server = nodeHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
} else {
  const app = Fastify({ logger: false });
  app.post('/floor', async (request) => answer(request.body));
  await app.listen({ port: 0, host: '127.0.0.1' });
  server = app.server;
  close = () => app.close();
}
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.send({ type: 'listening', url: `http://127.0.0.1:${port}` });

const stop = () => {
  server.closeAllConnections();
  void close().finally(() => process.exit(0));
};
process.once('disconnect', stop);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
