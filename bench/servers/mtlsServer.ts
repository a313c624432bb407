// The mutual-TLS reference server: node:tls with one SecureContext (ECDSA P-256 server
// certificate, client certificates required and verified against the bench CA). Each
// verified connection gets one byte and is closed. Asked over IPC, it reports its own CPU
// time (process.cpuUsage(), all threads) and how many handshakes it accepted or refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';

if (!process.send || process.argv[2] === undefined) {
  process.stderr.write('bench/servers/mtlsServer.ts <cert-dir> is started by bench/auth.ts (it needs an IPC channel)\n');
  process.exit(2);
}

const dir = process.argv[2];
let accepted = 0;
let refused = 0;
const server = tls.createServer(
  {
    key: readFileSync(join(dir, 'server.key')),
    cert: readFileSync(join(dir, 'server.crt')),
    ca: readFileSync(join(dir, 'ca.crt')),
    requestCert: true,
    rejectUnauthorized: true,
  },
  (socket) => {
    // Only reached once the client certificate chain verified.
    accepted++;
    socket.on('error', () => {});
    socket.end('k');
  },
);
server.on('tlsClientError', () => {
  refused++;
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});

process.on('message', (msg: { type?: string; id?: number }) => {
  if (msg.type !== 'cpu') return;
  const cpu = process.cpuUsage();
  process.send?.({ type: 'cpu', id: msg.id, userMicros: cpu.user, systemMicros: cpu.system, accepted, refused });
});

const stop = () => {
  server.close();
  process.exit(0);
};
process.once('disconnect', stop);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
