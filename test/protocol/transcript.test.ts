// Transcript encoding and base64url: round-trips, injectivity and strictness.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromBase64Url, fromHex, toBase64Url, toHex } from '../../src/protocol/bytes.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { parseTranscript, transcript } from '../../src/protocol/transcript.ts';

const field = fc.uint8Array({ maxLength: 40 });
const purpose = fc.stringMatching(/^[a-z0-9-]{1,12}$/);

test('transcript layout: u16be length before the label and before each field', () => {
  assert.equal(toHex(transcript('x', [new Uint8Array([1, 2]), 'ab'])), `000b${toHex(new TextEncoder().encode('tessera/1/x'))}000201020002${toHex(new TextEncoder().encode('ab'))}`);
});

test('transcript round-trips through parseTranscript', () => {
  fc.assert(
    fc.property(purpose, fc.array(field, { maxLength: 6 }), (p, fields) => {
      const parsed = parseTranscript(transcript(p, fields));
      assert.equal(parsed.label, `tessera/1/${p}`);
      assert.deepEqual(parsed.fields.map(toHex), fields.map(toHex));
    }),
  );
});

test('different (purpose, fields) never encode the same', () => {
  fc.assert(
    fc.property(purpose, fc.array(field, { maxLength: 4 }), purpose, fc.array(field, { maxLength: 4 }), (p1, f1, p2, f2) => {
      const same = p1 === p2 && f1.length === f2.length && f1.every((f, i) => toHex(f) === toHex(f2[i]!));
      fc.pre(!same);
      assert.notEqual(toHex(transcript(p1, f1)), toHex(transcript(p2, f2)));
    }),
  );
});

test('a field over 65535 bytes is refused', () => {
  assert.throws(() => transcript('x', [new Uint8Array(65536)]), RangeError);
});

test('base64url round-trips and refuses padding, foreign characters and non-canonical tails', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => assert.deepEqual(fromBase64Url(toBase64Url(b)), b)));
  for (const bad of ['AA==', 'A+B/', 'A', 'AB', 'AAE=', ' AAE']) {
    if (bad === 'AB') {
      assert.throws(() => fromBase64Url('AB'), (e) => isTesseraError(e, 'input.invalid_encoding'), 'non-canonical tail bits');
      continue;
    }
    assert.throws(() => fromBase64Url(bad), (e) => isTesseraError(e, 'input.invalid_encoding'), bad);
  }
  assert.deepEqual([...fromHex('00ff')], [0, 255]);
});

test('base64url agrees with node:buffer on every length, and refuses what node:buffer would silently accept', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      const text = Buffer.from(b).toString('base64url');
      assert.equal(toBase64Url(b), text);
      assert.deepEqual(fromBase64Url(text), b);
    }),
  );
  // Every one-character change of a valid text either decodes to other bytes or is refused;
  // characters outside the alphabet (including non-ASCII and '=' anywhere) are always refused.
  const valid = toBase64Url(new Uint8Array([0xfb, 0xff, 0x00, 0x10, 0x83]));
  for (let i = 0; i < valid.length; i++) {
    for (const c of ['=', '+', '/', ' ', '.', '\u00e9', '\u0100', '\n', '\u0000']) {
      const bad = valid.slice(0, i) + c + valid.slice(i + 1);
      assert.throws(() => fromBase64Url(bad, 'f'), (e) => isTesseraError(e, 'input.invalid_encoding'), JSON.stringify(bad));
    }
  }
  for (const bad of ['AAB', 'AAAAAAC', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB']) {
    assert.throws(() => fromBase64Url(bad), (e) => isTesseraError(e, 'input.invalid_encoding'), `non-canonical ${bad}`);
  }
  assert.throws(() => fromHex('0g'), (e) => isTesseraError(e, 'input.invalid_encoding'));
});
