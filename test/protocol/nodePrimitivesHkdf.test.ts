// nodePrimitives.hkdf and hkdfWithKey wrap node:crypto's hkdfSync: the RFC 5869 SHA-256 test
// cases (Appendix A.1–A.3) check the argument order (ikm, salt, info) and the output length.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex } from '../../src/protocol/bytes.ts';
import { deriveTerminalKey, terminalKeyDeriver } from '../../src/protocol/keys.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import type { Primitives } from '../../src/protocol/primitives.ts';

// RFC 5869 Appendix A, test cases 1–3 (SHA-256).
const VECTORS = [
  { ikm: '0b'.repeat(22), salt: '000102030405060708090a0b0c', info: 'f0f1f2f3f4f5f6f7f8f9', length: 42, okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865' },
  {
    ikm: Array.from({ length: 80 }, (_, i) => i.toString(16).padStart(2, '0')).join(''),
    salt: Array.from({ length: 80 }, (_, i) => (0x60 + i).toString(16).padStart(2, '0')).join(''),
    info: Array.from({ length: 80 }, (_, i) => (0xb0 + i).toString(16).padStart(2, '0')).join(''),
    length: 82,
    okm: 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
  },
  { ikm: '0b'.repeat(22), salt: '', info: '', length: 42, okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8' },
];

test('RFC 5869 test cases 1–3', () => {
  for (const v of VECTORS) assert.equal(toHex(p.hkdf('sha256', fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), v.length)), v.okm);
});

test('hkdfWithKey: RFC 5869 test cases 1–3, several salts under one key, and a key changed afterwards does not reach it', () => {
  for (const v of VECTORS) {
    const ikm = fromHex(v.ikm);
    const info = fromHex(v.info);
    const derive = p.hkdfWithKey!('sha256', ikm, info, v.length);
    assert.equal(toHex(derive(fromHex(v.salt))), v.okm);
    const other = p.randomBytes(16);
    assert.equal(toHex(derive(other)), toHex(p.hkdf('sha256', ikm, other, info, v.length)));
    ikm.fill(0);
    info.fill(0);
    assert.equal(toHex(derive(fromHex(v.salt))), v.okm, 'the key and info were copied when the deriver was made');
  }
});

test('an output longer than 255 hash lengths is refused', () => {
  assert.throws(() => p.hkdf('sha256', new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 255 * 32 + 1), RangeError);
  assert.equal(p.hkdf('sha256', new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), 255 * 32).length, 255 * 32);
});

test('terminalKeyDeriver gives deriveTerminalKey, with hkdfWithKey and, on primitives without it, by hkdf per terminal', () => {
  const base = p.randomBytes(32);
  const { hkdfWithKey: _prepared, ...plain } = p;
  const withoutPrepared: Primitives = plain;
  for (const id of ['T-0001', 'L-2026-11-000042', 'é']) {
    const expected = toHex(deriveTerminalKey(p, base, id));
    assert.equal(toHex(terminalKeyDeriver(p, base)(id)), expected, id);
    assert.equal(toHex(terminalKeyDeriver(withoutPrepared, base)(id)), expected, `${id}, no hkdfWithKey`);
  }
});
