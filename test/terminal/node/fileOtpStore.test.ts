// The write-once OTP file: created exclusively and made read-only; a second write is refused,
// from this process or from another, even when several processes race for the first.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { toHex } from '../../../src/protocol/bytes.ts';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { FileOtpStore } from '../../../src/terminal/node/fileOtpStore.ts';
import { makeImage } from '../otpFixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-otp-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const WRITER = fileURLToPath(new URL('../fixtures/writeOtp.ts', import.meta.url));

test('absent file: nothing written; after a write the file holds the image, read-only (0400)', async () => {
  const store = new FileOtpStore(join(dir, 'a.img'));
  assert.equal(await store.read(), undefined);
  const { bytes } = makeImage();
  await store.write(bytes);
  assert.deepEqual(await store.read(), bytes);
  assert.equal(statSync(store.path).mode & 0o777, 0o400);
});

test('a second write is refused and leaves the first image intact', async () => {
  const store = new FileOtpStore(join(dir, 'b.img'));
  const first = makeImage().bytes;
  await store.write(first);
  await assert.rejects(store.write(makeImage().bytes), (e) => isTesseraError(e, 'otp.already_written') && e.message.includes('b.img'));
  await assert.rejects(new FileOtpStore(store.path).write(first), (e) => isTesseraError(e, 'otp.already_written'));
  assert.deepEqual(new Uint8Array(readFileSync(store.path)), first);
});

test('a file placed by other means counts as written', async () => {
  const path = join(dir, 'c.img');
  writeFileSync(path, 'x');
  await assert.rejects(new FileOtpStore(path).write(makeImage().bytes), (e) => isTesseraError(e, 'otp.already_written'));
});

test('an empty image is refused before the file is created', async () => {
  const store = new FileOtpStore(join(dir, 'd.img'));
  await assert.rejects(store.write(new Uint8Array(0)), (e) => isTesseraError(e, 'input.invalid'));
  assert.equal(await store.read(), undefined);
});

test('an unreadable path is reported, not taken for "nothing written"', async () => {
  const path = join(dir, 'e.img');
  mkdirSync(path);
  await assert.rejects(new FileOtpStore(path).read(), (e) => isTesseraError(e, 'otp.missing') && /EISDIR/.test(e.message));
  await assert.rejects(new FileOtpStore(join(dir, 'no-such-dir', 'f.img')).write(makeImage().bytes), (e) => isTesseraError(e, 'input.invalid') && /ENOENT/.test(e.message));
});

test('four processes racing to write: exactly one wins, the others get otp.already_written', async () => {
  const path = join(dir, 'race.img');
  const images = [0, 1, 2, 3].map(() => makeImage().bytes);
  const children = images.map((img) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, toHex(img)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let markReady: () => void;
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) markReady();
    });
    const done = new Promise<string>((resolve) =>
      child.on('close', () => {
        markReady(); // a child that died early must not hang the test; its result fails it
        resolve(out.slice('ready\n'.length));
      }),
    );
    return { child, ready, done };
  });
  // every child is loaded before any of them writes, so the writes really race
  await Promise.all(children.map((c) => c.ready));
  for (const { child } of children) child.stdin.end('go\n');
  const results = await Promise.all(children.map((c) => c.done));
  assert.equal(results.filter((r) => r === 'ok').length, 1, results.join(','));
  assert.equal(results.filter((r) => r === 'otp.already_written').length, 3, results.join(','));
  const winner = results.indexOf('ok');
  assert.deepEqual(await new FileOtpStore(path).read(), images[winner]);
});
