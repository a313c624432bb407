// OTP images: sealed to one hardware fingerprint, every byte protected, every AEAD suite; the
// layout byte for byte against docs/factory.md §4; the format checks of the builder and parser.
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHash, createHmac, getCiphers, hkdfSync } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { AEAD_SUITE_NAMES, type AeadSuiteName } from '../../../src/protocol/aeadSuites.ts';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { fingerprintHash } from '../../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../../src/protocol/nodePrimitives.ts';
import { buildOtpImage, OTP_MAGIC, type OtpImageFields, OtpImageTemplate, parseOtpImage, unsealOtpImage } from '../../../src/protocol/otp/otpImage.ts';

const hw = { cpuSerial: '00000000A1B2C3D4', emmcCid: '150100514d3030304108ab12cd34ef00', macs: ['AA:BB:CC:00:11:22', 'aa:bb:cc:00:11:23'] };
const fph = fingerprintHash(p, hw);
const key = p.randomBytes(32);
const fields = (aead: AeadSuiteName): OtpImageFields => ({
  lotId: 'L-2026-11',
  terminalId: 'L-2026-11-000001',
  kid: 1,
  serverId: 'tessera-test',
  url: 'https://tessera.example',
  handshakeSuites: ['hmac-sha256', 'hmac-sm3'],
  aeadSuites: [aead, ...AEAD_SUITE_NAMES.filter((s) => s !== aead)],
  updatePublicKey: new Uint8Array(32).fill(7),
});

for (const aead of AEAD_SUITE_NAMES) {
  test(`${aead}: the image unseals on its hardware only`, () => {
    const image = parseOtpImage(p, buildOtpImage(p, fields(aead), key, fph));
    assert.equal(image.terminalId, 'L-2026-11-000001');
    assert.deepEqual(image.handshakeSuites, ['hmac-sha256', 'hmac-sm3']);
    assert.equal(image.aeadSuites[0], aead);
    assert.deepEqual(unsealOtpImage(p, image, fph), key);
    const other = fingerprintHash(p, { ...hw, emmcCid: '150100514d3030304108ab12cd34ef01' });
    assert.equal(unsealOtpImage(p, image, other), undefined);
  });
}

test('the fingerprint is canonical: order, case and duplicate MACs do not matter', () => {
  assert.deepEqual(fingerprintHash(p, { macs: ['aa:bb:cc:00:11:23', 'AA:BB:CC:00:11:22', 'aa:bb:cc:00:11:22'], emmcCid: hw.emmcCid.toUpperCase(), cpuSerial: ' 00000000a1b2c3d4 ' }), fph);
  assert.deepEqual(fingerprintHash(p, { ...hw, terminalId: 'ignored' }), fph);
});

test('any flipped byte is refused as corrupt, never unsealed', () => {
  const bytes = buildOtpImage(p, fields('aes-256-gcm'), key, fph);
  fc.assert(
    fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (pos, x) => {
      const bad = bytes.slice();
      bad[pos]! ^= x;
      assert.throws(() => parseOtpImage(p, bad), (e) => isTesseraError(e, 'otp.image_corrupt'));
    }),
  );
});

test('a re-computed digest over an altered field still cannot unseal (AEAD covers the fields)', () => {
  const bytes = buildOtpImage(p, fields('chacha20-poly1305'), key, fph);
  const image = parseOtpImage(p, bytes);
  const altered = { ...image, aad: image.aad.slice() };
  altered.aad[20]! ^= 1; // inside the update public key
  assert.equal(unsealOtpImage(p, altered, fph), undefined);
});

// ---- the layout, byte for byte, rebuilt from docs/factory.md §4 with node:crypto only ----

const docsItem = (b: Uint8Array) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);

/** K_seal as docs/factory.md §2 defines it: HMAC-SHA256(salt, transcript), expanded by HKDF past 32 bytes. */
function docsSealingKey(hwHash: Uint8Array, salt: Uint8Array, terminalId: string, length: number): Buffer {
  const seed = createHmac('sha256', salt)
    .update(Buffer.concat([docsItem(Buffer.from('tessera/1/otp-seal')), docsItem(hwHash), docsItem(Buffer.from(terminalId))]))
    .digest();
  return length === 32 ? seed : Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), 'tessera/1/otp-seal-key', length));
}

function docsImage(f: OtpImageFields, terminalKey: Uint8Array, hwHash: Uint8Array, salt: Uint8Array, nonce: Uint8Array): Uint8Array {
  const item = docsItem;
  const list = (names: readonly string[]) => item(Buffer.concat(names.map((n) => item(Buffer.from(n)))));
  const kid = Buffer.alloc(4);
  kid.writeUInt32BE(f.kid);
  const aad = Buffer.concat([Buffer.from('TSOT'), Buffer.from([1, 1]), kid, f.updatePublicKey, salt, item(Buffer.from(f.lotId)), item(Buffer.from(f.terminalId)), item(Buffer.from(f.serverId)), item(Buffer.from(f.url)), list(f.handshakeSuites), list(f.aeadSuites)]);
  const kSeal = docsSealingKey(hwHash, salt, f.terminalId, 32);
  const c = createCipheriv('aes-256-gcm', kSeal, nonce, { authTagLength: 16 });
  c.setAAD(aad);
  const sealed = Buffer.concat([c.update(terminalKey), c.final(), c.getAuthTag()]);
  const body = Buffer.concat([aad, item(nonce), item(sealed)]);
  return new Uint8Array(Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

test('OtpImageTemplate writes the documented bytes (AES-256-GCM), at any offset of a larger buffer', () => {
  const f = fields('aes-256-gcm');
  const random = p.randomBytes(44);
  const t = new OtpImageTemplate(f);
  assert.equal(t.randomLength, 44);
  const expected = docsImage(f, key, fph, random.subarray(0, 32), random.subarray(32));
  assert.equal(t.imageLength(f.terminalId), expected.length);
  const out = new Uint8Array(expected.length + 20).fill(0xee);
  assert.equal(t.write(p, out, 7, f.terminalId, key, fph, random), expected.length);
  assert.deepEqual(out.subarray(7, 7 + expected.length), expected);
  assert.ok(out.subarray(0, 7).every((b) => b === 0xee) && out.subarray(7 + expected.length).every((b) => b === 0xee), 'nothing outside the image');
  assert.equal(buildOtpImage(p, f, key, fph).length, expected.length);
});

test('an SM4-CBC+HMAC-SM3 image opens by hand with the 48-byte K_seal of docs/factory.md §2', { skip: !getCiphers().includes('sm4-cbc') && 'this OpenSSL has no SM4-CBC' }, () => {
  const f = fields('sm4-cbc+hmac-sm3');
  const image = parseOtpImage(p, buildOtpImage(p, f, key, fph));
  const kSeal = docsSealingKey(fph, image.salt, f.terminalId, 48);
  const ct = image.sealed.subarray(0, image.sealed.length - 32);
  const macInput = Buffer.concat([docsItem(Buffer.from('tessera/1/sm4-cbc-hmac-sm3')), docsItem(image.aad), docsItem(image.nonce), docsItem(ct)]);
  assert.deepEqual(createHmac('sm3', kSeal.subarray(16)).update(macInput).digest(), Buffer.from(image.sealed.subarray(image.sealed.length - 32)));
  const d = createDecipheriv('sm4-cbc', kSeal.subarray(0, 16), image.nonce);
  assert.deepEqual(Buffer.concat([d.update(ct), d.final()]), Buffer.from(key));
});

test('the builder refuses a field its 2-byte length cannot carry, a kid over 32 bits, and a key that is not 32 bytes', () => {
  const long = 'x'.repeat(0x10000);
  const refused = (over: Partial<OtpImageFields>, k = key) =>
    assert.throws(() => buildOtpImage(p, { ...fields('aes-256-gcm'), ...over }, k, fph), (e) => isTesseraError(e, 'input.invalid'), JSON.stringify(Object.keys(over)));
  refused({ url: `https://${long}` });
  refused({ serverId: long });
  refused({ lotId: long });
  refused({ terminalId: long });
  refused({ handshakeSuites: [long] });
  refused({ handshakeSuites: Array.from({ length: 6000 }, () => 'hmac-sha256') }); // the list item overflows
  refused({ kid: 2 ** 32 });
  refused({ kid: -1 });
  refused({}, p.randomBytes(16));
  // The largest field that fits still builds and parses.
  const big = buildOtpImage(p, { ...fields('aes-256-gcm'), url: `https://${'x'.repeat(0xffff - 8)}` }, key, fph);
  assert.equal(parseOtpImage(p, big).url.length, 0xffff);
});

/** An image with `edit` applied to its body and the trailer recomputed (a crafted image, not damage). */
function recrafted(bytes: Uint8Array, edit: (body: Uint8Array) => Uint8Array): Uint8Array {
  const body = edit(bytes.slice(0, bytes.length - 32));
  return new Uint8Array(Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

test('another format version is reported as unsupported, before the trailer; a damaged version byte is corrupt', () => {
  const bytes = buildOtpImage(p, fields('aes-256-gcm'), key, fph);
  // A version-2 image: a different layout and trailer (here: shorter, and a 16-byte trailer).
  const v2 = Uint8Array.from([...OTP_MAGIC, 2, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
  assert.throws(() => parseOtpImage(p, v2), (e) => isTesseraError(e, 'otp.version_unsupported') && /version 2/.test(e.message));
  const v2long = recrafted(bytes, (b) => {
    b[4] = 2;
    return b;
  });
  assert.throws(() => parseOtpImage(p, v2long), (e) => isTesseraError(e, 'otp.version_unsupported'));
  for (const x of [1 ^ 2, 1 ^ 0x80, 1]) {
    const flipped = bytes.slice();
    flipped[4]! ^= x;
    assert.throws(() => parseOtpImage(p, flipped), (e) => isTesseraError(e, 'otp.image_corrupt'), `version byte ^ ${x}`);
  }
  assert.throws(() => parseOtpImage(p, Uint8Array.from([...OTP_MAGIC])), (e) => isTesseraError(e, 'otp.image_corrupt'));
});

test('a nonce or sealed key of the wrong length for the suite is corrupt, even under a valid trailer', () => {
  for (const aead of AEAD_SUITE_NAMES) {
    const bytes = buildOtpImage(p, fields(aead), key, fph);
    const image = parseOtpImage(p, bytes);
    const nonceAt = image.aad.length;
    const widen = (at: number, len: number) => (b: Uint8Array) => {
      const out = new Uint8Array(b.length + 4);
      out.set(b.subarray(0, at));
      out[at] = (len + 4) >> 8;
      out[at + 1] = (len + 4) & 0xff;
      out.set(b.subarray(at + 2, at + 2 + len), at + 2);
      out.set(b.subarray(at + 2 + len), at + 6 + len);
      return out;
    };
    const longNonce = recrafted(bytes, widen(nonceAt, image.nonce.length));
    assert.throws(() => parseOtpImage(p, longNonce), (e) => isTesseraError(e, 'otp.image_corrupt') && /nonce/.test(e.message), aead);
    const longSeal = recrafted(bytes, widen(nonceAt + 2 + image.nonce.length, image.sealed.length));
    assert.throws(() => parseOtpImage(p, longSeal), (e) => isTesseraError(e, 'otp.image_corrupt') && /sealed/.test(e.message), aead);
  }
});
