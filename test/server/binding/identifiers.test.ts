// Server-side identifier handling: E.164 through libphonenumber-js, keyed hashes per kid
// (rotation keeps old hashes reproducible), uniform verification codes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import { parseMasterKeys } from '../../../src/server/config/masterKeys.ts';
import { newBindingId } from '../../../src/server/services/binding/bindingIds.ts';
import { createBoundFactsHasher } from '../../../src/server/services/binding/boundFacts.ts';
import { normalizeMsisdn } from '../../../src/server/services/binding/msisdn.ts';
import { randomDigits } from '../../../src/server/services/binding/verificationCodes.ts';

const key = () => randomBytes(32).toString('base64url');

test('phone numbers: E.164 out, field-named errors for the rest', () => {
  assert.equal(normalizeMsisdn('+44 7400 123456'), '+447400123456');
  assert.equal(normalizeMsisdn('+49 (151) 123-45678'), '+4915112345678');
  assert.equal(normalizeMsisdn('+1 201 555 0123'), '+12015550123'); // fixed line or mobile: may receive SMS
  const invalid = (raw: string, field = 'msisdn') => assert.throws(() => normalizeMsisdn(raw, field), (e) => isTesseraError(e, 'input.invalid_msisdn') && e.field === field, raw);
  invalid('07400123456'); // national form: no country
  invalid('447400123456'); // no +
  invalid('+44 20'); // too short
  invalid('+447700900123'); // reserved drama range, not a real number
  invalid('+442079460000'); // London fixed line: no SMS
  invalid('+999123456789'); // no such country
  invalid('+44 7400 123456; drop', 'tessera-sim-msisdn');
});

test('identifier hashes: keyed, kind-separated, stable per kid, reproducible after rotation', () => {
  const k1 = key();
  const old = createBoundFactsHasher(nodePrimitives, parseMasterKeys(`1:${k1}`));
  const rotated = createBoundFactsHasher(nodePrimitives, parseMasterKeys(`1:${k1},2:${key()}`));
  const h1 = old.hash(1, ['msisdn', '+447400123456'])!;
  assert.match(h1, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(rotated.hash(1, ['msisdn', '+447400123456']), h1, 'kid 1 still hashes the same after rotation');
  assert.notEqual(rotated.hash(2, ['msisdn', '+447400123456']), h1);
  assert.equal(rotated.currentKid, 2);
  assert.deepEqual(rotated.msisdnHashes('+447400123456')[0], h1);
  assert.equal(rotated.msisdnHashes('+447400123456').length, 2);
  assert.notEqual(old.hash(1, ['iccid', '123']), old.hash(1, ['imsi', '123']), 'the kind is part of the input');
  assert.notEqual(createBoundFactsHasher(nodePrimitives, parseMasterKeys(`1:${key()}`)).hash(1, ['msisdn', '+447400123456']), h1, 'another deployment, another hash');
  assert.equal(old.hash(9, ['msisdn', 'x']), undefined);
  assert.equal(old.equal(h1, h1), true);
  assert.equal(old.equal(h1, old.hash(1, ['msisdn', '+447400123457'])!), false);
  assert.equal(old.equal(h1, 'not base64url!'), false);
});

test('verification codes: exactly the digits asked for, leading zeros kept, close to uniform', () => {
  for (const digits of [6, 7, 8]) assert.match(randomDigits(nodePrimitives, digits), new RegExp(`^\\d{${digits}}$`));
  const firstDigit = new Array(10).fill(0);
  for (let i = 0; i < 20000; i++) firstDigit[Number(randomDigits(nodePrimitives, 6)[0])]++;
  for (const n of firstDigit) assert.ok(n > 1700 && n < 2300, `first-digit counts ${firstDigit}`);
  assert.throws(() => randomDigits(nodePrimitives, 0), RangeError);
});

test('binding ids sort like their creation time', () => {
  const a = newBindingId(nodePrimitives, 1_700_000_000_000);
  const b = newBindingId(nodePrimitives, 1_700_000_000_001);
  assert.match(a, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.ok(a < b);
});
