// The national-standard primitives against their published vectors (test/vectors/
// sm2-sm3-sm4.json: GB/T 32905 SM3, GB/T 32907 SM4), and the three AEAD suites: round trips,
// an independent recomputation of SM4-CBC+HMAC-SM3 (encrypt-then-MAC), and refusal of any
// altered byte of ciphertext, associated data or nonce, or a wrong key.
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { AEAD_SUITE_NAMES, getAeadSuite } from '../../src/protocol/aeadSuites.ts';
import { concatBytes, fromHex, toHex } from '../../src/protocol/bytes.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { transcript } from '../../src/protocol/transcript.ts';

interface Sm4Vector {
  name: string;
  key: string;
  iv?: string;
  aad?: string;
  plaintext: string;
  ciphertext: string;
  tag?: string;
  iterations?: number;
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/sm2-sm3-sm4.json', import.meta.url), 'utf8')) as {
  source: string;
  SM3: { name: string; input_hex: string; digest: string }[];
  SM4: { vectors: Sm4Vector[] };
};

test('the vector file names its source', () => {
  assert.match(vectors.source, /GB\/T 32905/);
  assert.match(vectors.source, /GB\/T 32907/);
});

for (const v of vectors.SM3) {
  test(`SM3: ${v.name}`, () => {
    assert.equal(toHex(p.digest('sm3', fromHex(v.input_hex))), v.digest.toLowerCase());
  });
}

/** SM4 in ECB over whole blocks, straight from OpenSSL: the Primitives API has CBC only. */
function sm4EcbBlocks(key: Uint8Array, block: Uint8Array, iterations: number): Uint8Array {
  const cipher = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
  let out: Uint8Array = block;
  for (let i = 0; i < iterations; i++) out = cipher.update(out);
  return out;
}

for (const v of vectors.SM4.vectors) {
  const key = fromHex(v.key);
  const pt = fromHex(v.plaintext);
  const ct = fromHex(v.ciphertext);
  if (/ECB|1,000,000/.test(v.name)) {
    test(`SM4 (node:crypto sm4-ecb): ${v.name}`, () => {
      assert.equal(toHex(sm4EcbBlocks(key, pt, v.iterations ?? 1)), toHex(ct));
    });
  } else if (/SM4-CBC/.test(v.name)) {
    test(`SM4 (Primitives.sm4Cbc): ${v.name}; PKCS#7 padding adds one block`, () => {
      const iv = fromHex(v.iv!);
      const sealed = p.sm4Cbc('encrypt', key, iv, pt)!;
      // the vector's plaintext is block-aligned, so PKCS#7 appends one full block of 0x10
      assert.equal(sealed.length, pt.length + 16);
      assert.equal(toHex(sealed.subarray(0, ct.length)), toHex(ct));
      assert.deepEqual(p.sm4Cbc('decrypt', key, iv, sealed), pt);
      // the bare vector ciphertext carries no padding block: the padded API refuses it
      assert.equal(p.sm4Cbc('decrypt', key, iv, ct), undefined);
    });
  } else if (/SM4-CTR/.test(v.name)) {
    test(`SM4 (node:crypto sm4-ctr): ${v.name}`, () => {
      const cipher = createCipheriv('sm4-ctr', key, fromHex(v.iv!));
      assert.equal(toHex(concatBytes(cipher.update(pt), cipher.final())), toHex(ct));
    });
  } else {
    test(`SM4: ${v.name}`, { skip: 'not a mode Tessera uses, and Node\'s OpenSSL build exposes no sm4-gcm' }, () => {});
  }
}

test('SM4-CBC+HMAC-SM3 is SM4-CBC(K_enc) then HMAC-SM3(K_mac) over transcript(aad, iv, ciphertext)', () => {
  const suite = getAeadSuite('sm4-cbc+hmac-sm3')!;
  const key = p.randomBytes(48);
  const iv = p.randomBytes(16);
  const aad = p.randomBytes(40);
  const pt = p.randomBytes(33);
  const sealed = suite.seal(p, key, iv, aad, pt);
  const cipher = createCipheriv('sm4-cbc', key.subarray(0, 16), iv);
  const ct = concatBytes(cipher.update(pt), cipher.final());
  const tag = p.hmac('sm3', key.subarray(16), transcript('sm4-cbc-hmac-sm3', [aad, iv, ct]));
  assert.equal(toHex(sealed), toHex(concatBytes(ct, tag)));
});

for (const name of AEAD_SUITE_NAMES) {
  const suite = getAeadSuite(name)!;
  const overhead = (n: number) => (name === 'sm4-cbc+hmac-sm3' ? 16 * Math.floor(n / 16) + 16 + 32 : n + 16);
  const input = fc.record({
    key: fc.uint8Array({ minLength: suite.keyLength, maxLength: suite.keyLength }),
    nonce: fc.uint8Array({ minLength: suite.nonceLength, maxLength: suite.nonceLength }),
    aad: fc.uint8Array({ maxLength: 80 }),
    pt: fc.uint8Array({ maxLength: 100 }),
  });

  test(`${name}: by name and by id; property: open(seal(x)) = x`, () => {
    assert.equal(getAeadSuite(suite.id), suite);
    fc.assert(
      fc.property(input, ({ key, nonce, aad, pt }) => {
        const sealed = suite.seal(p, key, nonce, aad, pt);
        assert.equal(sealed.length, overhead(pt.length));
        assert.deepEqual(suite.open(p, key, nonce, aad, sealed), pt);
      }),
    );
  });

  test(`${name}: property: any altered byte of ciphertext, associated data or nonce, or a wrong key, is refused`, () => {
    fc.assert(
      fc.property(input, fc.constantFrom('sealed', 'aad', 'nonce', 'key', 'truncate'), fc.nat(), fc.integer({ min: 1, max: 255 }), ({ key, nonce, aad, pt }, what, pos, x) => {
        const sealed = suite.seal(p, key, nonce, aad, pt);
        const flip = (b: Uint8Array) => {
          const out = b.slice();
          if (out.length > 0) out[pos % out.length]! ^= x;
          return out;
        };
        if (what === 'aad' && aad.length === 0) return;
        const args = {
          // a wrong key differs in every byte (in SM4-CBC+HMAC-SM3 the MAC checks K_mac only)
          key: what === 'key' ? key.map((b) => b ^ x) : key,
          nonce: what === 'nonce' ? flip(nonce) : nonce,
          aad: what === 'aad' ? flip(aad) : aad,
          sealed: what === 'sealed' ? flip(sealed) : what === 'truncate' ? sealed.subarray(0, pos % sealed.length) : sealed,
        };
        assert.equal(suite.open(p, args.key, args.nonce, args.aad, args.sealed), undefined, what);
      }),
    );
  });
}
