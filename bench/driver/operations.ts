// The three operations the load driver can repeat: a full Tessera handshake (hello, check the
// server's proof, finish, check the server's confirmation), one bare JSON POST (the floor), and one fresh mutual-TLS connection.
import tls from 'node:tls';
import { checkServerConfirm } from '../../src/protocol/handshake/finishConfirmation.ts';
import { parseFinishResponse, parseHelloResponse } from '../../src/protocol/handshake/messages.ts';
import { answerChallenge, beginHandshake, identityFromCredential } from '../../src/protocol/handshake/terminalHandshake.ts';
import { nodePrimitives } from '../../src/protocol/nodePrimitives.ts';
import type { DriverJob } from '../lib/driverProtocol.ts';
import type { JsonPoster } from './httpClient.ts';
import type { Operation } from './runLoad.ts';

/** An operation plus facts worth reporting once the run is over. */
export interface PreparedOperation {
  op: Operation;
  notes(): string[];
  close(): void;
}

function expectStatus(step: string, status: number, text: string, want: number): void {
  if (status !== want) throw new Error(`${step} answered HTTP ${status}: ${text.slice(0, 200)}`);
}

/** Hello + finish with a fresh nonce each time; worker i uses terminal i mod n. */
export function tesseraHandshake(job: Extract<DriverJob, { kind: 'tessera' }>, poster: JsonPoster): PreparedOperation {
  if (job.credentials.length === 0) throw new Error('no terminal credentials to drive');
  const terminals = job.credentials.map((c) => ({
    identity: identityFromCredential(c),
    suites: c.suites,
  }));
  const suites = new Map<string, number>();
  return {
    async op(worker) {
      const terminal = terminals[worker % terminals.length]!;
      const { hello, pending } = beginHandshake(nodePrimitives, terminal.identity, terminal.suites);
      const a = await poster.post('/v1/auth/hello', JSON.stringify(hello));
      expectStatus('hello', a.status, a.text, 200);
      const challenge = parseHelloResponse(JSON.parse(a.text));
      const { finish, confirmKey } = answerChallenge(nodePrimitives, pending, challenge);
      const b = await poster.post('/v1/auth/finish', JSON.stringify(finish));
      expectStatus('finish', b.status, b.text, 200);
      checkServerConfirm(nodePrimitives, confirmKey, parseFinishResponse(JSON.parse(b.text)));
      suites.set(challenge.suite, (suites.get(challenge.suite) ?? 0) + 1);
    },
    notes: () => [...suites].map(([suite, n]) => `suite ${suite} (${n} handshakes)`),
    close: () => poster.close(),
  };
}

/** One POST of a hello-sized JSON body to the floor server. */
export function floorRequest(job: Extract<DriverJob, { kind: 'floor' }>, poster: JsonPoster): PreparedOperation {
  return {
    async op() {
      const a = await poster.post(job.path, job.body);
      expectStatus('floor', a.status, a.text, 200);
      JSON.parse(a.text);
    },
    notes: () => [`body ${Buffer.byteLength(job.body)} bytes`],
    close: () => poster.close(),
  };
}

/**
 * A fresh TCP + TLS connection with the client certificate, from one SecureContext built
 * once; no session is ever offered (no resumption). Done when the server, having verified
 * the certificate, sent its one byte and the connection closed.
 */
export function mtlsHandshake(job: Extract<DriverJob, { kind: 'mtls' }>, timeoutMs: number): PreparedOperation {
  const secureContext = tls.createSecureContext({ ca: job.caPem, cert: job.certPem, key: job.keyPem });
  let seen: string | undefined;
  return {
    op: () =>
      new Promise<void>((resolve, reject) => {
        let answered = false;
        const socket = tls.connect({ host: job.host, port: job.port, servername: job.servername, secureContext, rejectUnauthorized: true });
        socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        socket.once('data', () => {
          answered = true;
          if (seen === undefined) {
            const key = socket.getEphemeralKeyInfo();
            const keyText = key && 'name' in key ? `${key.name ?? key.type}` : 'unknown';
            seen = `${socket.getProtocol()} ${socket.getCipher().name}, key exchange ${keyText}, resumed=${socket.isSessionReused()}`;
          }
          socket.end();
        });
        socket.on('error', (err) => {
          if (!answered) reject(err);
        });
        socket.once('close', () => (answered ? resolve() : reject(new Error('connection closed before the server answered'))));
      }),
    notes: () => (seen ? [seen] : []),
    close: () => {},
  };
}
