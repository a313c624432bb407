// `tessera ocra` end to end: spawns the CLI through tsx and checks stdout, stderr and exit codes
// against RFC 6287 Appendix C vectors (test/vectors/ocra-rfc6287*.json).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
