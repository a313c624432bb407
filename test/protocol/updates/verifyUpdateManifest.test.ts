// The terminal's decisions on update manifests and files: every refusal reason, a manifest
// signed by another key, numeric version order, and the properties that any flipped
// signature byte and any changed field are refused.
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromBase64Url, toBase64Url, toHex } from '../../../src/protocol/bytes.ts';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives as p } from '../../../src/protocol/nodePrimitives.ts';
import { checkUpdateFile } from '../../../src/protocol/updates/checkUpdateFile.ts';
import { parseUpdateManifest, type UpdateManifest, updateManifestTranscript } from '../../../src/protocol/updates/updateManifest.ts';
import { compareUpdateVersions, parseUpdateVersion } from '../../../src/protocol/updates/updateVersion.ts';
import { verifyUpdateManifest } from '../../../src/protocol/updates/verifyUpdateManifest.ts';

function keyPair(): { privateKey: KeyObject; publicKey: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12)) };
}

const K = keyPair();
const OTHER = keyPair();
const FILE = new TextEncoder().encode('firmware image bytes');

function manifest(over: Partial<UpdateManifest> = {}): UpdateManifest {
  return { version: '1.2.3', fileName: 'fw.bin', size: FILE.length, sha256: toHex(p.digest('sha256', FILE)), minVersion: '1.0.0', lots: ['L-1', 'L-2'], createdAt: '2026-11-01T08:00:00.000Z', ...over };
}

function signed(m: UpdateManifest, key: KeyObject = K.privateKey) {
  return { manifest: m, signature: toBase64Url(sign(null, updateManifestTranscript(m), key)) };
}

const at = { currentVersion: '1.1.0', lotId: 'L-1' };
const reasonOf = (v: ReturnType<typeof verifyUpdateManifest>) => (v.ok ? 'ok' : v.reason);

test('a manifest signed by the update key, for this lot and above the minimum, is accepted', () => {
  const m = manifest();
  assert.deepEqual(verifyUpdateManifest(p, K.publicKey, signed(m), at), { ok: true, manifest: m });
  assert.equal(reasonOf(verifyUpdateManifest(p, K.publicKey, signed(manifest({ lots: [], minVersion: null })), { currentVersion: '0.0.0', lotId: undefined })), 'ok', 'no lots = every lot, no minimum');
  assert.equal(reasonOf(verifyUpdateManifest(p, K.publicKey, signed(m), { currentVersion: '1.0.0', lotId: 'L-2' })), 'ok', 'the minimum itself may install');
});

test('each refusal has its reason', () => {
  const s = signed(manifest());
  const cases: Array<[string, unknown, { currentVersion: string; lotId: string | undefined }, Uint8Array?]> = [
    ['bad_signature', { ...s, signature: toBase64Url(new Uint8Array(64)) }, at],
    ['bad_signature', signed(manifest(), OTHER.privateKey), at],
    ['bad_signature', s, at, OTHER.publicKey],
    ['downgrade', s, { currentVersion: '1.10.0', lotId: 'L-1' }],
    ['same_version', s, { currentVersion: '1.2.3', lotId: 'L-1' }],
    ['below_min_version', s, { currentVersion: '0.9.9', lotId: 'L-1' }],
    ['not_for_lot', s, { currentVersion: '1.1.0', lotId: 'L-3' }],
    ['not_for_lot', s, { currentVersion: '1.1.0', lotId: undefined }],
    ['malformed', { manifest: { ...s.manifest, extra: 1 }, signature: s.signature }, at],
    ['malformed', { ...s, signature: `${s.signature}=` }, at],
    ['malformed', { manifest: s.manifest }, at],
    ['malformed', null, at],
    ['malformed', { ...s, manifest: { ...s.manifest, version: '1.02.3' } }, at],
    ['malformed', { ...s, manifest: { ...s.manifest, sha256: s.manifest.sha256.toUpperCase() } }, at],
    ['malformed', { ...s, manifest: { ...s.manifest, createdAt: '2026-11-01T08:00:00Z' } }, at],
    ['malformed', { ...s, manifest: { ...s.manifest, lots: ['L-1', 'L-1'] } }, at],
    ['malformed', { ...s, manifest: { ...s.manifest, size: 0 } }, at],
  ];
  for (const [reason, value, context, key] of cases) {
    assert.equal(reasonOf(verifyUpdateManifest(p, key ?? K.publicKey, value, context)), reason, `${reason}: ${JSON.stringify(value)?.slice(0, 120)}`);
  }
});

test('the signature is checked before the policy: a forged manifest says bad_signature, never downgrade', () => {
  const forged = { ...signed(manifest()), manifest: manifest({ version: '0.1.0' }) };
  assert.equal(reasonOf(verifyUpdateManifest(p, K.publicKey, forged, at)), 'bad_signature');
});

test('caller mistakes throw: a key that is not 32 bytes, a current version that is not MAJOR.MINOR.PATCH', () => {
  assert.throws(() => verifyUpdateManifest(p, new Uint8Array(31), signed(manifest()), at), (e) => isTesseraError(e, 'input.invalid'));
  assert.throws(() => verifyUpdateManifest(p, K.publicKey, signed(manifest()), { currentVersion: 'v1.2', lotId: 'L-1' }), (e) => isTesseraError(e, 'input.invalid'));
});

test('versions compare numerically and have one spelling', () => {
  assert.ok(compareUpdateVersions('1.9.0', '1.10.0') < 0);
  assert.ok(compareUpdateVersions('2.0.0', '1.99.99') > 0);
  assert.equal(compareUpdateVersions('0.0.0', '0.0.0'), 0);
  for (const bad of ['1.2', '1.2.3.4', '01.2.3', '1.2.3-rc1', ' 1.2.3', '1.2.3 ', '1234567890.0.0', '-1.0.0', '']) assert.throws(() => parseUpdateVersion(bad), (e) => isTesseraError(e, 'input.invalid'), bad);
  fc.assert(
    fc.property(fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999)), fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999)), (a, b) => {
      const sign = Math.sign(compareUpdateVersions(a.join('.'), b.join('.')));
      const expected = Math.sign(a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
      assert.equal(sign, expected);
    }),
  );
});

test('property: any flipped bit of the signature is refused', () => {
  const s = signed(manifest());
  const sig = fromBase64Url(s.signature);
  fc.assert(
    fc.property(fc.nat(63), fc.integer({ min: 1, max: 255 }), (i, mask) => {
      const bad = sig.slice();
      bad[i]! ^= mask;
      assert.equal(reasonOf(verifyUpdateManifest(p, K.publicKey, { ...s, signature: toBase64Url(bad) }, at)), 'bad_signature');
    }),
  );
});

/** A change to one field of the manifest (kept or made invalid: both must be refused). */
const fieldChange = fc.oneof(
  fc.record({ field: fc.constant('version'), value: fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20)).map((t) => t.join('.')) }),
  fc.record({ field: fc.constant('fileName'), value: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,12}$/) }),
  fc.record({ field: fc.constant('size'), value: fc.integer({ min: 1, max: 2 ** 40 }) }),
  fc.record({ field: fc.constant('sha256'), value: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex) }),
  fc.record({ field: fc.constant('minVersion'), value: fc.option(fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)).map((t) => t.join('.')), { nil: null }) }),
  fc.record({ field: fc.constant('lots'), value: fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,8}$/), { maxLength: 4 }) }),
  fc.record({ field: fc.constant('createdAt'), value: fc.integer({ min: 0, max: 4102444800000 }).map((ms) => new Date(ms).toISOString()) }),
  fc.record({ field: fc.constantFrom('version', 'size', 'lots', 'sha256', 'createdAt'), value: fc.anything() }),
);

test('property: any changed field is refused (bad_signature, or malformed when no longer valid)', () => {
  const s = signed(manifest());
  fc.assert(
    fc.property(fieldChange, ({ field, value }) => {
      const changed = { ...s.manifest, [field]: value };
      fc.pre(JSON.stringify(changed) !== JSON.stringify(s.manifest));
      const reason = reasonOf(verifyUpdateManifest(p, K.publicKey, { manifest: changed, signature: s.signature }, { currentVersion: '0.0.0', lotId: 'L-1' }));
      assert.ok(reason === 'bad_signature' || reason === 'malformed', `${field} → ${reason}`);
    }),
    { numRuns: 500 },
  );
});

test('property: the transcript is injective over manifests', () => {
  const arb = fc.record({
    version: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)).map((t) => t.join('.')),
    fileName: fc.constantFrom('a', 'a.b', 'ab', 'fw.bin'),
    size: fc.integer({ min: 1, max: 300 }),
    sha256: fc.constantFrom('00'.repeat(32), '01'.repeat(32)),
    minVersion: fc.constantFrom(null, '0.0.1', '1.0.0'),
    lots: fc.uniqueArray(fc.constantFrom('A', 'B', 'AB', 'L-1'), { maxLength: 3 }),
    createdAt: fc.constantFrom('2026-11-01T08:00:00.000Z', '2026-11-01T08:00:00.001Z'),
  });
  fc.assert(
    fc.property(arb, arb, (a, b) => {
      fc.pre(JSON.stringify(a) !== JSON.stringify(b));
      assert.notEqual(toHex(updateManifestTranscript(parseUpdateManifest(a))), toHex(updateManifestTranscript(parseUpdateManifest(b))));
    }),
  );
});

test('checkUpdateFile refuses a wrong size and a wrong hash, and accepts the right bytes', () => {
  const m = manifest();
  assert.deepEqual(checkUpdateFile(p, m, FILE), { ok: true });
  assert.equal((checkUpdateFile(p, m, FILE.subarray(1)) as { reason: string }).reason, 'size_mismatch');
  assert.equal((checkUpdateFile(p, m, new Uint8Array([...FILE, 0])) as { reason: string }).reason, 'size_mismatch');
  fc.assert(
    fc.property(fc.nat(FILE.length - 1), fc.integer({ min: 1, max: 255 }), (i, mask) => {
      const bad = FILE.slice();
      bad[i]! ^= mask;
      assert.equal((checkUpdateFile(p, m, bad) as { reason: string }).reason, 'hash_mismatch');
    }),
  );
});
