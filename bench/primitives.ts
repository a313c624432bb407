// `npm run bench:primitives [-- --ms N]`: what one call into node:crypto costs on this machine,
// for the calls a handshake and a factory-made terminal are built from (the figures
// docs/factory.md and docs/operations.md quote). Each call runs in a tight loop for a fixed
// time after a warm-up; the baseline, measured in the same run, is the cheapest of them, a
// one-shot SHA-256 of 32 bytes, and every line also prints its ratio to it. The last line is one
// JSON object. Figures are printed, never asserted.
import { createCipheriv, createHmac, createSecretKey, hash, hkdfSync, randomFillSync } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { ms: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
if (values.help) {
  process.stdout.write('usage: npm run bench:primitives -- [--ms N]   (N: measured milliseconds per call, default 1000)\n');
  process.exit(0);
}
const ms = Number(values.ms ?? 1000);
if (!Number.isFinite(ms) || ms < 50 || ms > 60_000) {
  process.stderr.write('--ms must be a number from 50 to 60000\n');
  process.exit(2);
}

const key = new Uint8Array(32).fill(7);
const keyObject = createSecretKey(key);
const data32 = new Uint8Array(32).fill(1);
const data200 = new Uint8Array(200).fill(2);
const info = new TextEncoder().encode('tessera/1/terminal');
const nonce = new Uint8Array(12);
let sink = 0;

/** Microseconds per call of `fn`, over `ms` milliseconds after a quarter as much warm-up. */
function perCall(fn: () => Uint8Array | Buffer | ArrayBuffer): number {
  const run = (budgetMs: number) => {
    const end = performance.now() + budgetMs;
    let n = 0;
    const start = performance.now();
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) sink ^= new Uint8Array(fn())[0]!;
      n += 100;
    }
    return ((performance.now() - start) * 1000) / n;
  };
  run(ms / 4);
  return run(ms);
}

const CALLS: Array<[string, () => Uint8Array | Buffer | ArrayBuffer]> = [
  ['sha256-32B', () => hash('sha256', data32, 'buffer')],
  ['sha256-200B', () => hash('sha256', data200, 'buffer')],
  ['hmac-sha256-200B', () => createHmac('sha256', key).update(data200).digest()],
  ['hmac-sm3-200B', () => createHmac('sm3', key).update(data200).digest()],
  ['hkdfSync-sha256', () => hkdfSync('sha256', key, data32, info, 32)],
  ['hkdfSync-sha256-keyobject', () => hkdfSync('sha256', keyObject, data32, info, 32)],
  [
    'aes-256-gcm-seal-32B',
    () => {
      const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
      return Buffer.concat([c.update(data32), c.final(), c.getAuthTag()]);
    },
  ],
  ['randomFillSync-32B', () => randomFillSync(new Uint8Array(32))],
];

const results: Record<string, number> = {};
for (const [name, fn] of CALLS) results[name] = perCall(fn);
const baseline = results['sha256-32B']!;
for (const [name, us] of Object.entries(results)) {
  process.stdout.write(`${name.padEnd(28)} ${us.toFixed(2).padStart(7)} µs per call  (${(us / baseline).toFixed(2)}× the baseline)\n`);
}
process.stdout.write(`baseline: one-shot SHA-256 of 32 bytes; Node ${process.versions.node}, OpenSSL ${process.versions.openssl} (checksum ${sink & 1})\n`);
process.stdout.write(`${JSON.stringify({ unit: 'us_per_call', baseline: 'sha256-32B', ...Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Number(v.toFixed(2))])) })}\n`);
