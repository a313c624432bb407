// The floor: a bare Fastify server (no logger, no schema, no plugins) with one POST route
// that parses a JSON body and answers a small JSON. What Tessera's HTTP stack costs before
// any handshake work; the benchmark compares handshakes/s against half its requests/s.
import Fastify from 'fastify';

if (!process.send) {
  process.stderr.write('bench/servers/floorServer.ts is started by bench/auth.ts (it needs an IPC channel)\n');
  process.exit(2);
}

const app = Fastify({ logger: false });
app.post('/floor', async (request) => {
  const body = request.body as { nonceT?: unknown } | null;
  return { ok: true, length: typeof body?.nonceT === 'string' ? body.nonceT.length : 0 };
});

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.send({ type: 'listening', url: `http://127.0.0.1:${port}` });

const stop = () => {
  void app.close().finally(() => process.exit(0));
};
process.once('disconnect', stop);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
