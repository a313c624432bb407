// `tessera ocra` end to end: spawns the CLI through tsx and checks stdout, stderr and exit codes
// against RFC 6287 Appendix C vectors (test/vectors/ocra-rfc6287*.json), and --session against
// an OCRA computed in the test from RFC 6287 §5 with node:crypto (the RFC has no S vectors).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = 'src/cli/main.ts';

const KEY20 = '3132333435363738393031323334353637383930';
const KEY32 = `${KEY20}313233343536373839303132`;
const KEY64 = `${KEY20}${KEY20}${KEY20}31323334`;

function ocra(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'ocra', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a one-way vector prints the response alone and exits 0', () => {
  const r = ocra('--suite', 'OCRA-1:HOTP-SHA1-6:QN08', '--key', KEY20, '--question', '22222222');
  assert.deepEqual(r, { status: 0, stdout: '653583\n', stderr: '' });
});

test('counter, PIN and raw timestamp inputs reach the computation', () => {
  const c = ocra('--suite', 'OCRA-1:HOTP-SHA256-8:C-QN08-PSHA1', '--key', KEY32, '--counter', '9', '--question', '12345678', '--pin', '1234');
  assert.equal(c.stdout, '08522129\n');
  const t = ocra('--suite', 'OCRA-1:HOTP-SHA512-8:QA10-T1M', '--key', KEY64, '--question', 'SIG1100000', '--timestamp', '132d0b6');
  assert.equal(t.stdout, '31970405\n');
  const iso = ocra('--suite', 'OCRA-1:HOTP-SHA512-8:QN08-T1M', '--key', KEY64, '--question', '11111111', '--time', '2008-03-25T12:06:30Z');
  assert.equal(iso.stdout, '55907591\n');
});

test('the mutual challenge is passed concatenated (RFC 6287 §7.3)', () => {
  const r = ocra('--suite', 'OCRA-1:HOTP-SHA512-8:QA08-PSHA1', '--key', KEY64, '--question', 'SRV11110CLI22220', '--pin', '1234');
  assert.deepEqual(r, { status: 0, stdout: '18806276\n', stderr: '' });
});

test('--verify prints valid and exits 0 for a good response, invalid and 1 for a bad one', () => {
  const args = ['--suite', 'OCRA-1:HOTP-SHA256-8:QA08', '--key', KEY32, '--question', 'SIG13000'];
  assert.deepEqual(ocra(...args, '--verify', '76028668'), { status: 0, stdout: 'valid\n', stderr: '' });
  assert.deepEqual(ocra(...args, '--verify', '76028669'), { status: 1, stdout: 'invalid\n', stderr: '' });
});

test('--window accepts a response two time steps away', () => {
  // T = 0x132d0b6 is 1206446760..1206446819; 1206446910 is two minutes later.
  const args = ['--suite', 'OCRA-1:HOTP-SHA512-8:QN08-T1M', '--key', KEY64, '--question', '00000000', '--time', '1206446910', '--verify', '95209754'];
  assert.equal(ocra(...args).status, 1);
  assert.equal(ocra(...args, '--window', '2').status, 0);
});

test('a bad suite exits 2 with the error code on stderr', () => {
  const r = ocra('--suite', 'OCRA-1:HOTP-MD5-6:QN08', '--key', KEY20, '--question', '00000000');
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^tessera: ocra\.invalid_suite: .+\n$/);
});

test('input and usage errors exit 2 with a one-line message', () => {
  const cases: [string[], RegExp][] = [
    [['--suite', 'OCRA-1:HOTP-SHA1-6:QN08', '--key', KEY20, '--question', '1234567X'], /^tessera: ocra\.invalid_input: /],
    [['--suite', 'OCRA-1:HOTP-SHA1-6:QN08', '--key', 'xyz', '--question', '12345678'], /^tessera: input\.invalid_encoding: /],
    [['--key', KEY20, '--question', '12345678'], /^tessera: input\.invalid: --suite is required/],
    [['--suite', 'OCRA-1:HOTP-SHA1-6:QN08', '--key', KEY20, '--question', '12345678', '--bogus'], /^tessera: input\.invalid: /],
  ];
  for (const [args, pattern] of cases) {
    const r = ocra(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  }
});

/** RFC 6287 Appendix C vectors that carry a PIN (only as its SHA-1 hash), one per suite and role. */
function pinVectors(): { suite: string; key_hex: string; counter?: number | null; question: string; pin_hash_sha1_hex: string; expected: string }[] {
  const all = ['ocra-rfc6287.json', 'ocra-rfc6287-mutual.json'].flatMap(
    (file) => (JSON.parse(readFileSync(fileURLToPath(new URL(`../vectors/${file}`, import.meta.url)), 'utf8')) as { vectors: { suite: string; role?: string; pin_hash_sha1_hex: string | null; timestamp_T_hex?: string | null }[] }).vectors,
  );
  const seen = new Set<string>();
  return all.filter((v) => {
    const kind = `${v.suite} ${v.role ?? ''}`;
    if (v.pin_hash_sha1_hex === null || v.timestamp_T_hex || seen.has(kind)) return false;
    seen.add(kind);
    return true;
  }) as unknown as ReturnType<typeof pinVectors>;
}

test('--pin-hash takes the hashed PIN as given: the RFC 6287 PIN vectors', () => {
  const vectors = pinVectors();
  assert.equal(vectors.length, 3, 'C-QN08-PSHA1, QN08-PSHA1 and the mutual client QA08-PSHA1');
  for (const v of vectors) {
    const counter = typeof v.counter === 'number' ? ['--counter', String(v.counter)] : [];
    const r = ocra('--suite', v.suite, '--key', v.key_hex, ...counter, '--question', v.question, '--pin-hash', v.pin_hash_sha1_hex);
    assert.deepEqual(r, { status: 0, stdout: `${v.expected}\n`, stderr: '' }, `${v.suite} ${v.question}`);
  }
});

/**
 * OCRA computed here from RFC 6287 §5 with node:crypto alone (the RFC has no S vectors):
 * DataInput = suite ‖ 0x00 ‖ [C: 8 bytes] ‖ Q: 128 bytes ‖ [P] ‖ [S] (no T here), HMAC, then
 * RFC 4226 dynamic truncation to `digits`. `question` is already the Q bytes before padding.
 */
function referenceOcra(o: { suite: string; hash: 'sha1' | 'sha256' | 'sha512'; digits: number; keyHex: string; counter?: bigint; question: Buffer; pinHash?: Buffer; session?: Buffer }): string {
  const q = Buffer.alloc(128);
  o.question.copy(q);
  const parts: Buffer[] = [Buffer.from(o.suite, 'ascii'), Buffer.from([0])];
  if (o.counter !== undefined) {
    const c = Buffer.alloc(8);
    c.writeBigUInt64BE(o.counter);
    parts.push(c);
  }
  parts.push(q);
  if (o.pinHash) parts.push(o.pinHash);
  if (o.session) parts.push(o.session);
  const mac = createHmac(o.hash, Buffer.from(o.keyHex, 'hex')).update(Buffer.concat(parts)).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** o.digits).padStart(o.digits, '0');
}

test('--session passes exactly the Snnn bytes into DataInput (checked against node:crypto)', () => {
  const s064 = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 7 + 3) & 0xff));
  const one = referenceOcra({ suite: 'OCRA-1:HOTP-SHA256-8:QA08-S064', hash: 'sha256', digits: 8, keyHex: KEY32, question: Buffer.from('SIG12345', 'ascii'), session: s064 });
  const r = ocra('--suite', 'OCRA-1:HOTP-SHA256-8:QA08-S064', '--key', KEY32, '--question', 'SIG12345', '--session', s064.toString('hex'));
  assert.deepEqual(r, { status: 0, stdout: `${one}\n`, stderr: '' });

  // Every optional part but T at once, with a SHA-256 PIN hash given as hex.
  const s016 = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const pinHash = createHash('sha256').update('1234').digest();
  const all = referenceOcra({ suite: 'OCRA-1:HOTP-SHA512-10:C-QH16-PSHA256-S016', hash: 'sha512', digits: 10, keyHex: KEY64, counter: 7n, question: Buffer.from('0123456789abcdef', 'hex'), pinHash, session: s016 });
  const both = ocra('--suite', 'OCRA-1:HOTP-SHA512-10:C-QH16-PSHA256-S016', '--key', KEY64, '--counter', '7', '--question', '0123456789abcdef', '--pin-hash', pinHash.toString('hex'), '--session', s016.toString('hex'));
  assert.deepEqual(both, { status: 0, stdout: `${all}\n`, stderr: '' });
});

test('a --session or --pin-hash of the wrong length, or one the suite has no place for, exits 2', () => {
  const cases: [string[], RegExp][] = [
    [['--suite', 'OCRA-1:HOTP-SHA256-8:QA08-S064', '--key', KEY32, '--question', 'SIG12345', '--session', '00'.repeat(63)], /^tessera: ocra\.invalid_input: session must be exactly 64 bytes\n$/],
    [['--suite', 'OCRA-1:HOTP-SHA256-8:QA08', '--key', KEY32, '--question', 'SIG12345', '--session', '00'.repeat(64)], /^tessera: ocra\.invalid_input: .*so session must not be given\n$/],
    [['--suite', 'OCRA-1:HOTP-SHA256-8:QN08-PSHA1', '--key', KEY32, '--question', '12345678', '--pin-hash', '00'.repeat(32)], /^tessera: ocra\.invalid_input: pinHash must be the 20-byte sha1 hash/],
    [['--suite', 'OCRA-1:HOTP-SHA256-8:QN08-PSHA1', '--key', KEY32, '--question', '12345678', '--pin', '1234', '--pin-hash', '00'.repeat(20)], /^tessera: input\.invalid: give either --pin or --pin-hash, not both\n$/],
  ];
  for (const [args, pattern] of cases) {
    const r = ocra(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, pattern);
  }
});
