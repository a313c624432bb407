// Test PKI for the mutual-TLS comparison: an ECDSA P-256 CA, a server certificate
// (localhost / 127.0.0.1) and a client certificate, made at run time with the openssl command
// (Node has no X.509 writer) in a temp dir. Measures nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The openssl version line, or undefined when the command is missing or broken. */
export function opensslVersion(): string | undefined {
  const run = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) return undefined;
  return run.stdout.trim();
}

export const OPENSSL_MISSING =
  '--vs-mtls needs the `openssl` command to generate its P-256 test certificates (Node cannot write X.509), ' +
  'and `openssl version` did not run. Install OpenSSL (e.g. `apt-get install openssl`) or put it on PATH, or run without --vs-mtls.';

const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;

/** PEM texts the client side needs; the server reads its files from `dir`. */
export interface BenchPki {
  dir: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/** Writes ca.crt/key, server.crt/key and client.crt/key into `dir`. */
export function makeBenchPki(dir: string): BenchPki {
  const openssl = (...args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`openssl ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
    }
  };
  writeFileSync(join(dir, 'openssl.cnf'), CONFIG);
  const key = (name: string) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  const serial = () => `0x${randomBytes(8).toString('hex')}`;
  key('ca');
  openssl('req', '-config', 'openssl.cnf', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '2', '-subj', '/CN=tessera-bench-ca', '-extensions', 'ca_ext', '-set_serial', serial(), '-out', 'ca.crt');
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['client', 'tessera-bench-terminal'],
  ] as const) {
    key(name);
    openssl('req', '-config', 'openssl.cnf', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial(), '-days', '2', '-sha256', '-extfile', 'openssl.cnf', '-extensions', `${name}_ext`, '-out', `${name}.crt`);
  }
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return { dir, caPem: read('ca.crt'), clientCertPem: read('client.crt'), clientKeyPem: read('client.key') };
}
