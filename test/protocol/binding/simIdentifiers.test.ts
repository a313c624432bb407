// ICCID (Luhn, E.118 prefix), IMSI (length, MCC) and SE serial checks; properties: every
// valid ICCID stays valid after normalization, and any single changed digit is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { factsToHeaders, last4, luhnValid, normalizeIccid, normalizeImsi, normalizeSeSerial, plausibleMcc } from '../../../src/protocol/binding/simIdentifiers.ts';
import { isTesseraError } from '../../../src/protocol/errors.ts';

function withCheckDigit(payload: string): string {
  for (let d = 0; d < 10; d++) if (luhnValid(payload + d)) return payload + d;
  throw new Error('unreachable');
}

const code = (c: string, field: string) => (err: unknown) => isTesseraError(err) && err.code === c && err.field === field;

test('Luhn: the ISO/IEC 7812 example and real-format ICCIDs', () => {
  assert.equal(luhnValid('79927398713'), true); // ISO/IEC 7812-1 Annex B worked example
  assert.equal(luhnValid('79927398710'), false);
  assert.equal(luhnValid('8944110068256270054'), true); // giffgaff ICCID format from ModemManager output
  assert.equal(luhnValid(''), false);
  assert.equal(luhnValid('12a4'), false);
});

test('ICCIDs are normalized (spaces, trailing F) and refused with input.invalid_iccid naming the field', () => {
  assert.equal(normalizeIccid('8944 1100 6825 6270 054'), '8944110068256270054');
  assert.equal(normalizeIccid('8944110068256270054F'), '8944110068256270054');
  assert.throws(() => normalizeIccid('8944110068256270055'), code('input.invalid_iccid', 'iccid'));
  assert.throws(() => normalizeIccid('1944110068256270054', 'tessera-sim-iccid'), code('input.invalid_iccid', 'tessera-sim-iccid'));
  assert.throws(() => normalizeIccid('89441100'), code('input.invalid_iccid', 'iccid'));
  assert.throws(() => normalizeIccid('89441100682562700541234'), code('input.invalid_iccid', 'iccid'));
});

test('property: a valid ICCID with any one digit changed is refused', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^\d{16,17}$/), fc.nat(), fc.integer({ min: 1, max: 9 }), (body, pos, delta) => {
      const valid = withCheckDigit(`89${body}`);
      assert.equal(normalizeIccid(valid), valid);
      const i = 2 + (pos % (valid.length - 2));
      const changed = valid.slice(0, i) + String((Number(valid[i]) + delta) % 10) + valid.slice(i + 1);
      assert.throws(() => normalizeIccid(changed), code('input.invalid_iccid', 'iccid'));
    }),
  );
});

test('IMSIs: 14–15 digits with a plausible MCC', () => {
  assert.equal(normalizeImsi('234104886708667'), '234104886708667');
  assert.equal(normalizeImsi('31026 000000000'), '31026000000000');
  assert.equal(normalizeImsi('001010123456789'), '001010123456789'); // test network
  assert.equal(normalizeImsi('23410488670866'), '23410488670866');
  for (const bad of ['2341048867086', '2341048867086671', '23410488670866x', '']) {
    assert.throws(() => normalizeImsi(bad), code('input.invalid_imsi', 'imsi'), bad);
  }
  assert.throws(() => normalizeImsi('100104886708667'), code('input.invalid_imsi', 'imsi'), 'MCC 100 is not allocated');
  assert.throws(() => normalizeImsi('999104886708667', 'tessera-sim-imsi'), code('input.invalid_imsi', 'tessera-sim-imsi'));
  assert.deepEqual(['001', '234', '310', '901', '999', '000', '123', '800'].map(plausibleMcc), [true, true, true, true, false, false, false, false]);
});

test('secure-element serials are upper-cased without separators; others refused', () => {
  assert.equal(normalizeSeSerial('se:00-01 ab cd'), 'SE0001ABCD');
  assert.equal(normalizeSeSerial('89049032000000000000000000000001'), '89049032000000000000000000000001'); // an EID
  assert.throws(() => normalizeSeSerial('short'), code('input.invalid_se_serial', 'seSerial'));
  assert.throws(() => normalizeSeSerial('SE_0000001'), code('input.invalid_se_serial', 'seSerial'));
  assert.throws(() => normalizeSeSerial('A'.repeat(65)), code('input.invalid_se_serial', 'seSerial'));
});

test('facts become the four signed header fields; the number shows its last four digits only', () => {
  assert.deepEqual(factsToHeaders({ iccid: '1', imsi: '2', seSerial: '3', msisdn: '+4' }), {
    'tessera-sim-iccid': '1',
    'tessera-sim-imsi': '2',
    'tessera-se-serial': '3',
    'tessera-sim-msisdn': '+4',
  });
  assert.equal('tessera-sim-msisdn' in factsToHeaders({ iccid: '1', imsi: '2', seSerial: '3' }), false);
  assert.equal(last4('+447400123456'), '3456');
});
