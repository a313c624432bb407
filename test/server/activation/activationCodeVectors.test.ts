// The activation-code vectors of test/vectors/activation-codes.json (computed independently):
// code text from random bytes, the code key, and the keyed hash the server stores. Also: a
// ring with two kids finds a code whichever kid hashed it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generateActivationCode, parseActivationCode } from '../../../src/protocol/activation/activationCode.ts';
import { fromHex, toBase64Url, toHex } from '../../../src/protocol/bytes.ts';
import { deriveSubkey } from '../../../src/protocol/keys.ts';
import { nodePrimitives as p } from '../../../src/protocol/nodePrimitives.ts';
import { parseMasterKeys } from '../../../src/server/config/masterKeys.ts';
import { createKeyedIdentifierHash } from '../../../src/server/services/keyedIdentifierHash.ts';

interface Vectors {
  masterKeyHex: string;
  codeKeyHex: string;
  vectors: Array<{ randomHex: string; code: string; hash: string }>;
}

const V = JSON.parse(readFileSync(new URL('../../vectors/activation-codes.json', import.meta.url), 'utf8')) as Vectors;
const master = fromHex(V.masterKeyHex);

test('the code key is HKDF(master, info tessera/1/activation-codes)', () => {
  assert.equal(toHex(deriveSubkey(p, 'sha256', master, 'activation-codes')), V.codeKeyHex);
});

for (const v of V.vectors) {
  test(`vector ${v.randomHex}: ${v.code}`, () => {
    const code = generateActivationCode({ randomBytes: () => fromHex(v.randomHex) });
    assert.equal(code.text, v.code);
    assert.deepEqual(parseActivationCode(v.code), code);
    const hasher = createKeyedIdentifierHash(p, parseMasterKeys(`1:${toBase64Url(master)}`), 'activation-code');
    assert.equal(hasher.hash(1, [code.data]), v.hash);
  });
}

test('lookup hashes cover every kid of the ring; a retired kid hashes to nothing', () => {
  const ring = parseMasterKeys(`1:${toBase64Url(master)},2:${toBase64Url(new Uint8Array(32).fill(7))}`);
  const hasher = createKeyedIdentifierHash(p, ring, 'activation-code');
  assert.equal(hasher.currentKid, 2);
  const data = parseActivationCode(V.vectors[2]!.code).data;
  const hashes = hasher.lookupHashes([data]);
  assert.equal(hashes.length, 2);
  assert.equal(hashes[0], V.vectors[2]!.hash, 'kid 1 still gives the old hash');
  assert.notEqual(hashes[1], hashes[0]);
  assert.equal(hasher.hash(3, [data]), undefined);
});
