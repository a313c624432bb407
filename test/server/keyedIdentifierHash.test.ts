// The keyed identifier hashes the database stores, pinned by test/vectors/keyed-identifier-hashes.json
// (produced by the code before activation codes and binding identifiers shared one module, and
// checked with Python): a stored hash of either purpose must still match after any refactoring.
import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fromHex, toBase64Url } from '../../src/protocol/bytes.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import type { Primitives } from '../../src/protocol/primitives.ts';
import { parseMasterKeys } from '../../src/server/config/masterKeys.ts';
import { type BoundFacts, createBoundFactsHasher, type IdentifierKind } from '../../src/server/services/binding/boundFacts.ts';
import { createKeyedIdentifierHash, KEYED_HASH_PURPOSES, type KeyedHashPurpose } from '../../src/server/services/keyedIdentifierHash.ts';

interface Vectors {
  masterKeys: Record<string, string>;
  vectors: Array<{ purpose: KeyedHashPurpose; kid: number; fields: string[]; hash: string }>;
}

const V = JSON.parse(readFileSync(new URL('../vectors/keyed-identifier-hashes.json', import.meta.url), 'utf8')) as Vectors;
const ring = parseMasterKeys(
  Object.entries(V.masterKeys)
    .map(([kid, hex]) => `${kid}:${toBase64Url(fromHex(hex))}`)
    .join(','),
);

test('the purposes and their HKDF subkeys are the ones stored hashes were made with', () => {
  assert.deepEqual(KEYED_HASH_PURPOSES, {
    'activation-code': { subkey: 'activation-codes' },
    'binding-identifier': { subkey: 'binding-identifiers' },
    'binding-code': { subkey: 'binding-code' },
  });
});

test('binding-code hashes are the MAC verification codes were stored under before they joined this module', () => {
  // The former inline code: HMAC-SHA256(HKDF-SHA256(master[kid], "", "tessera/1/binding-code"),
  // transcript("binding-code", [bindingId, code])), written here with node:crypto alone.
  const item = (b: Buffer) => Buffer.concat([Buffer.from([b.length >>> 8, b.length & 0xff]), b]);
  for (const [kid, hex] of Object.entries(V.masterKeys)) {
    const k = Buffer.from(hkdfSync('sha256', Buffer.from(hex, 'hex'), Buffer.alloc(0), Buffer.from('tessera/1/binding-code'), 32));
    const message = Buffer.concat(['tessera/1/binding-code', '01JD0000000000000000000000', '048213'].map((x) => item(Buffer.from(x))));
    const expected = createHmac('sha256', k).update(message).digest('base64url');
    assert.equal(createKeyedIdentifierHash(p, ring, 'binding-code').hash(Number(kid), ['01JD0000000000000000000000', '048213']), expected, `kid ${kid}`);
  }
});

for (const v of V.vectors) {
  test(`${v.purpose} kid ${v.kid} [${v.fields.join(', ')}]`, () => {
    assert.equal(createKeyedIdentifierHash(p, ring, v.purpose).hash(v.kid, v.fields), v.hash);
  });
}

test('binding facts hash to the pinned per-kind hashes; a number is looked up under every kid', () => {
  const hasher = createBoundFactsHasher(p, ring);
  const KEYS: Record<IdentifierKind, keyof BoundFacts> = { msisdn: 'msisdn', iccid: 'iccid', imsi: 'imsi', 'se-serial': 'seSerial' };
  for (const kid of [1, 2]) {
    const rows = V.vectors.filter((v) => v.purpose === 'binding-identifier' && v.kid === kid);
    const facts = Object.fromEntries(rows.map((v) => [KEYS[v.fields[0] as IdentifierKind], v.fields[1]!])) as unknown as BoundFacts;
    const expected = Object.fromEntries(rows.map((v) => [KEYS[v.fields[0] as IdentifierKind], v.hash]));
    assert.deepEqual(hasher.hashFacts(kid, facts), expected);
  }
  const msisdn = V.vectors.filter((v) => v.purpose === 'binding-identifier' && v.fields[0] === 'msisdn');
  assert.deepEqual(hasher.msisdnHashes(msisdn[0]!.fields[1]!), msisdn.map((v) => v.hash));
  assert.equal(hasher.currentKid, 2);
  assert.equal(hasher.hashFacts(3, { msisdn: 'x', iccid: 'x', imsi: 'x', seSerial: 'x' }), undefined);
});

test('the purpose separates: equal fields under two purposes hash apart', () => {
  const fields = ['msisdn', '+447400123456'];
  assert.notEqual(createKeyedIdentifierHash(p, ring, 'activation-code').hash(1, fields), createKeyedIdentifierHash(p, ring, 'binding-identifier').hash(1, fields));
});

test('the subkey of a kid is derived once, then reused', () => {
  let derived = 0;
  const counting: Primitives = {
    ...p,
    hkdf(...args) {
      derived++;
      return p.hkdf(...args);
    },
  };
  const h = createKeyedIdentifierHash(counting, ring, 'activation-code');
  for (let i = 0; i < 3; i++) h.lookupHashes([`code-${i}`]);
  assert.equal(derived, 2, 'one derivation per kid of the ring');
});

test('equal: constant-time over the decoded bytes; false for anything not base64url', () => {
  const h = createKeyedIdentifierHash(p, ring, 'binding-identifier');
  const [a, b] = V.vectors.filter((v) => v.purpose === 'binding-identifier').map((v) => v.hash);
  assert.equal(h.equal(a!, a!), true);
  assert.equal(h.equal(a!, b!), false);
  assert.equal(h.equal(a!, 'not base64url!'), false);
});
