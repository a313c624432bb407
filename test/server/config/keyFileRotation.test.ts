// Concurrent rotations of one master-key file (`tessera keys rotate` run twice at once): each
// either adds its own kid or is refused because the other holds the rotation lock; a key that
// was reported added is never lost, and no temp or lock file is left behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { loadOrCreateKeyFile, rotateKeyFile, rotationLockPath } from '../../../src/server/config/masterKeys.ts';

const PROCESSES = 3;
const ROUNDS = 40;
const CHILD = fileURLToPath(new URL('./rotateChild.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

type Outcome = { kid: number } | { error: string };

/** Runs `rotateKeyFile(path)` `rounds` times in each of `count` processes released at one instant. */
async function rotateConcurrently(path: string, count: number, rounds: number): Promise<Outcome[]> {
  const gate = mkdtempSync(join(tmpdir(), 'tessera-gate-'));
  try {
    const children = Array.from({ length: count }, () =>
      new Promise<Outcome[]>((resolve, reject) => {
        execFile(process.execPath, ['--import', TSX, CHILD, path, String(rounds), gate], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`rotation child failed: ${err.message} ${stderr}`));
          else resolve(JSON.parse(stdout) as Outcome[]);
        });
      }),
    );
    // Opens the gate once every child waits at it (tsx takes a while to start each).
    const deadline = Date.now() + 60_000;
    while (readdirSync(gate).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(join(gate, 'go'), '');
    return (await Promise.all(children)).flat();
  } finally {
    rmSync(gate, { recursive: true, force: true });
  }
}

test('rotations at the same instant: each adds its own kid or is refused by the lock; no kid reported added is lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rot-'));
  try {
    const path = join(dir, 'master.keys');
    loadOrCreateKeyFile(path);
    const outcomes = await rotateConcurrently(path, PROCESSES, ROUNDS);
    const added = outcomes.flatMap((o) => ('kid' in o ? [o.kid] : []));
    const errors = outcomes.flatMap((o) => ('error' in o ? [o.error] : []));
    const lockMessage = `input.invalid: another rotation is in progress (lock file ${rotationLockPath(path)}); remove it if no rotation is running`;
    assert.deepEqual([...new Set(errors)].filter((e) => e !== lockMessage), [], 'the only refusal is the lock');
    assert.ok(added.length > 0, 'some rotations went through');
    assert.equal(new Set(added).size, added.length, 'no two rotations reported the same kid');
    const kids = readFileSync(path, 'utf8').trim().split(',').map((pair) => Number(pair.split(':')[0]));
    assert.deepEqual(kids, Array.from({ length: added.length + 1 }, (_, i) => i + 1), 'the file holds kid 1 and every kid reported added');
    assert.deepEqual(loadOrCreateKeyFile(path).ring.kids, kids);
    assert.deepEqual(readdirSync(dir), ['master.keys'], 'no temp file or lock is left');
    t.diagnostic(`${added.length} rotations added a kid, ${errors.length} were refused by the lock`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock left by a crashed rotation refuses the next one, naming the lock file, until it is removed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rot-'));
  try {
    const path = join(dir, 'master.keys');
    loadOrCreateKeyFile(path);
    const before = readFileSync(path, 'utf8');
    writeFileSync(rotationLockPath(path), '12345\n');
    assert.throws(
      () => rotateKeyFile(path),
      (err) => isTesseraError(err, 'input.invalid') && err.message === `another rotation is in progress (lock file ${path}.lock); remove it if no rotation is running`,
    );
    assert.equal(readFileSync(path, 'utf8'), before, 'the key file is untouched');
    assert.equal(readFileSync(rotationLockPath(path), 'utf8'), '12345\n', 'the lock of someone else is not removed');
    rmSync(rotationLockPath(path));
    assert.deepEqual(rotateKeyFile(path).kids, [1, 2]);
    assert.deepEqual(readdirSync(dir), ['master.keys']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rotation that fails (damaged key file) releases the lock and leaves no temp file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rot-'));
  try {
    const path = join(dir, 'master.keys');
    writeFileSync(path, '1:not-a-key\n', { mode: 0o600 });
    assert.throws(() => rotateKeyFile(path), (err) => isTesseraError(err, 'config.invalid'));
    assert.deepEqual(readdirSync(dir), ['master.keys']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rotation removes the copies of a ring a crashed rotation left, and nothing else', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-rot-'));
  try {
    const path = join(dir, 'master.keys');
    loadOrCreateKeyFile(path);
    const leftovers = ['master.keys.4242.0123456789ab.tmp', 'master.keys.tmp'];
    const kept = ['master.keys.backup', 'master.keys.notes.tmp', 'other.keys.1.0123456789ab.tmp'];
    for (const name of [...leftovers, ...kept]) writeFileSync(join(dir, name), '1:old-key-copy\n', { mode: 0o600 });
    assert.deepEqual(rotateKeyFile(path).kids, [1, 2]);
    assert.deepEqual(readdirSync(dir).sort(), ['master.keys', ...kept].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
