// RFC 6287 OCRA: the Appendix C vectors (test/vectors/ocra-rfc6287*.json), suite parsing,
// input validation, and properties of compute/verify and of the nonce-to-question mapping.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex, utf8 } from '../../src/protocol/bytes.ts';
import { isTesseraError } from '../../src/protocol/errors.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import {
  type OcraInputs,
  assertHandshakeSuite,
  clientResponse,
  computeOcra,
  encodeOcraQuestion,
  ocraDataInput,
  ocraQuestionFromNonce,
  ocraTimestamp,
  parseOcraSuite,
  serverResponse,
  verifyClientResponse,
  verifyOcra,
  verifyServerResponse,
} from '../../src/protocol/ocra/index.ts';

interface OneWayVector {
  section: string;
  suite: string;
  key_hex: string;
  counter: number | null;
  question: string;
  pin_hash_sha1_hex: string | null;
  timestamp_T_hex: string | null;
  expected: string;
  data_input_hex_computed?: string;
}
interface MutualVector {
  role: 'server' | 'client';
  suite: string;
  key_hex: string;
  client_question: string;
  server_question: string;
  question: string;
  pin: string | null;
  expected: string;
}

const load = <T>(name: string): { source: string; vectors: T[] } =>
  JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));
const oneWay = load<OneWayVector>('ocra-rfc6287.json');
const mutual = load<MutualVector>('ocra-rfc6287-mutual.json');

const code = (c: string) => (err: unknown) => isTesseraError(err) && err.code === c;
const KEY20 = utf8('12345678901234567890');

test('vector files name their source', () => {
  assert.match(oneWay.source, /RFC 6287/);
  assert.match(mutual.source, /RFC 6287/);
  assert.equal(oneWay.vectors.length, 50);
  assert.equal(mutual.vectors.length, 20);
});

for (const v of oneWay.vectors) {
  const inputs: OcraInputs = { question: v.question };
  if (v.counter !== null) inputs.counter = v.counter;
  if (v.pin_hash_sha1_hex !== null) inputs.pinHash = fromHex(v.pin_hash_sha1_hex);
  if (v.timestamp_T_hex !== null) inputs.timestamp = BigInt(`0x${v.timestamp_T_hex}`);
  test(`${v.section} ${v.suite} C=${v.counter} Q=${v.question} → ${v.expected}`, () => {
    const key = fromHex(v.key_hex);
    assert.equal(computeOcra(p, v.suite, key, inputs), v.expected);
    if (v.data_input_hex_computed) assert.equal(toHex(ocraDataInput(parseOcraSuite(v.suite), inputs)), v.data_input_hex_computed);
    assert.deepEqual(verifyOcra(p, v.suite, key, v.expected, inputs).valid, true);
  });
}

for (const v of mutual.vectors) {
  test(`C.2 ${v.role} ${v.suite} Q=${v.question} → ${v.expected}`, () => {
    const key = fromHex(v.key_hex);
    const parts = { clientQuestion: v.client_question, serverQuestion: v.server_question, ...(v.pin ? { pin: v.pin } : {}) };
    const respond = v.role === 'server' ? serverResponse : clientResponse;
    const check = v.role === 'server' ? verifyServerResponse : verifyClientResponse;
    assert.equal(respond(p, v.suite, key, parts), v.expected);
    assert.equal(computeOcra(p, v.suite, key, { question: v.question, ...(v.pin ? { pin: v.pin } : {}) }), v.expected);
    assert.deepEqual(check(p, v.suite, key, v.expected, parts), { valid: true });
  });
}

test('HOTP-SHA1-10 pads the truncated value to 10 digits (sg2342/erlang-rfc6287 rfc6287_SUITE generate/1)', () => {
  assert.equal(computeOcra(p, 'OCRA-1:HOTP-SHA1-10:QH08', KEY20, { question: 'D0DD18F3' }), '0958035737');
});

test('parseOcraSuite reads every component and freezes the result', () => {
  const s = parseOcraSuite('OCRA-1:HOTP-SHA512-8:C-QH16-PSHA256-S128-T30S');
  assert.deepEqual(
    { ...s },
    {
      text: 'OCRA-1:HOTP-SHA512-8:C-QH16-PSHA256-S128-T30S',
      hash: 'sha512',
      digits: 8,
      counter: true,
      question: { format: 'H', length: 16 },
      pinHash: 'sha256',
      sessionLength: 128,
      timeStep: { value: 30, unit: 'S', seconds: 30 },
    },
  );
  assert.ok(Object.isFrozen(s) && Object.isFrozen(s.question) && Object.isFrozen(s.timeStep));
  const plain = parseOcraSuite('OCRA-1:HOTP-SHA1-6:QN08');
  assert.equal(plain.counter, false);
  assert.equal('pinHash' in plain || 'sessionLength' in plain || 'timeStep' in plain, false);
});

test('parseOcraSuite applies the RFC 6287 §6.3 defaults and accepts the boundary values', () => {
  const d = parseOcraSuite('OCRA-1:HOTP-SHA1-0:Q-P-S-T');
  assert.deepEqual(d.question, { format: 'N', length: 8 });
  assert.equal(d.pinHash, 'sha1');
  assert.equal(d.sessionLength, 64);
  assert.deepEqual(d.timeStep, { value: 1, unit: 'M', seconds: 60 });
  for (const ok of ['HOTP-SHA1-4:QA04', 'HOTP-SHA256-10:QN64', 'HOTP-SHA1-6:QN08-T59S', 'HOTP-SHA1-6:QN08-T59M', 'HOTP-SHA1-6:QN08-T48H', 'HOTP-SHA1-6:QN08-T0H', 'HOTP-SHA1-6:QN08-S001', 'HOTP-SHA1-6:QN08-S512', 'HOTP-SHA1-6:QN08-PSHA512']) {
    assert.doesNotThrow(() => parseOcraSuite(`OCRA-1:${ok}`), ok);
  }
  assert.equal(parseOcraSuite('OCRA-1:HOTP-SHA1-6:QN08-T2H').timeStep?.seconds, 7200);
});

test('parseOcraSuite refuses malformed suites with ocra.invalid_suite', () => {
  const bad = [
    '', 'OCRA-2:HOTP-SHA1-6:QN08', 'OCRA-1:HOTP-MD5-6:QN08', 'OCRA-1:HOTP-SHA1-3:QN08', 'OCRA-1:HOTP-SHA1-11:QN08',
    'OCRA-1:HOTP-SHA1-06:QN08', 'OCRA-1:TOTP-SHA1-6:QN08', 'OCRA-1:HOTP-SHA1-6', 'OCRA-1:HOTP-SHA1-6:QN08:x',
    'OCRA-1:HOTP-SHA1-6:QN03', 'OCRA-1:HOTP-SHA1-6:QN65', 'OCRA-1:HOTP-SHA1-6:QX08', 'OCRA-1:HOTP-SHA1-6:QN8',
    'OCRA-1:HOTP-SHA1-6:C', 'OCRA-1:HOTP-SHA1-6:PSHA1', 'OCRA-1:HOTP-SHA1-6:QN08-C', 'OCRA-1:HOTP-SHA1-6:QN08-PSHA384',
    'OCRA-1:HOTP-SHA1-6:QN08-S000', 'OCRA-1:HOTP-SHA1-6:QN08-S513', 'OCRA-1:HOTP-SHA1-6:QN08-S64',
    'OCRA-1:HOTP-SHA1-6:QN08-T0S', 'OCRA-1:HOTP-SHA1-6:QN08-T60S', 'OCRA-1:HOTP-SHA1-6:QN08-T0M', 'OCRA-1:HOTP-SHA1-6:QN08-T60M',
    'OCRA-1:HOTP-SHA1-6:QN08-T49H', 'OCRA-1:HOTP-SHA1-6:QN08-T1D', 'OCRA-1:HOTP-SHA1-6:QN08-T1M-PSHA1',
    'OCRA-1:HOTP-SHA1-6:QN08-PSHA1-PSHA1', 'OCRA-1:HOTP-SHA1-6:C-C-QN08', 'ocra-1:hotp-sha1-6:qn08', 'OCRA-1:HOTP-SHA1-6:QN08-',
    `OCRA-1:HOTP-SHA1-6:QN08-${'S064-'.repeat(30)}`,
  ];
  for (const s of bad) assert.throws(() => parseOcraSuite(s), code('ocra.invalid_suite'), s);
});

test('question encoding follows RFC 6287 §5.1 for N, H and A', () => {
  assert.equal(toHex(encodeOcraQuestion('N', '22222222').subarray(0, 5)), '153158e000');
  assert.equal(toHex(encodeOcraQuestion('N', '11111111').subarray(0, 4)), 'a98ac700');
  assert.deepEqual(encodeOcraQuestion('N', '00000000'), new Uint8Array(128));
  assert.equal(toHex(encodeOcraQuestion('H', 'abc').subarray(0, 3)), 'abc000');
  assert.equal(toHex(encodeOcraQuestion('A', 'SIG1').subarray(0, 5)), '5349473100');
});

test('inputs that do not fit the suite are refused with ocra.invalid_input', () => {
  const cases: [string, OcraInputs][] = [
    ['OCRA-1:HOTP-SHA1-6:QN08', { question: '1234567a' }],
    ['OCRA-1:HOTP-SHA1-6:QN08', { question: '123' }],
    ['OCRA-1:HOTP-SHA1-6:QN08', { question: '1'.repeat(17) }],
    ['OCRA-1:HOTP-SHA1-6:QH08', { question: 'GHIJ' }],
    ['OCRA-1:HOTP-SHA1-6:QA08', { question: 'AB-CD' }],
    ['OCRA-1:HOTP-SHA1-6:QN08', { question: '1234', counter: 1 }],
    ['OCRA-1:HOTP-SHA1-6:C-QN08', { question: '1234' }],
    ['OCRA-1:HOTP-SHA1-6:C-QN08', { question: '1234', counter: -1 }],
    ['OCRA-1:HOTP-SHA1-6:C-QN08', { question: '1234', counter: 1n << 64n }],
    ['OCRA-1:HOTP-SHA1-6:C-QN08', { question: '1234', counter: 1.5 }],
    ['OCRA-1:HOTP-SHA1-6:QN08-PSHA256', { question: '1234', pinHash: new Uint8Array(20) }],
    ['OCRA-1:HOTP-SHA1-6:QN08-PSHA1', { question: '1234' }],
    ['OCRA-1:HOTP-SHA1-6:QN08-PSHA1', { question: '1234', pin: '1', pinHash: new Uint8Array(20) }],
    ['OCRA-1:HOTP-SHA1-6:QN08', { question: '1234', pin: '1234' }],
    ['OCRA-1:HOTP-SHA1-6:QN08-S004', { question: '1234', session: new Uint8Array(3) }],
    ['OCRA-1:HOTP-SHA1-6:QN08-T1M', { question: '1234' }],
    ['OCRA-1:HOTP-SHA1-6:QN08-T1M', { question: '1234', timestamp: -1 }],
    ['OCRA-1:HOTP-SHA1-6:QN08', { question: '1234', timestamp: 1 }],
  ];
  for (const [suite, inputs] of cases) {
    assert.throws(() => computeOcra(p, suite, KEY20, inputs), code('ocra.invalid_input'), `${suite} ${JSON.stringify(inputs, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))}`);
  }
  assert.throws(() => computeOcra(p, 'OCRA-1:HOTP-SHA1-6:QN08', new Uint8Array(0), { question: '1234' }), code('ocra.invalid_input'));
});

test('session, PIN and counter bytes land where RFC 6287 §5.1 puts them', () => {
  const suite = parseOcraSuite('OCRA-1:HOTP-SHA1-6:C-QA04-PSHA1-S002-T1M');
  const di = ocraDataInput(suite, { question: 'ABCD', counter: 258, pinHash: new Uint8Array(20).fill(7), session: new Uint8Array([9, 9]), timestamp: 0x132d0b6 });
  const n = suite.text.length;
  assert.equal(di.length, n + 1 + 8 + 128 + 20 + 2 + 8);
  assert.equal(di[n], 0);
  assert.equal(toHex(di.subarray(n + 1, n + 9)), '0000000000000102');
  assert.equal(toHex(di.subarray(n + 9, n + 13)), '41424344');
  assert.equal(di[n + 137], 7);
  assert.equal(toHex(di.subarray(n + 157, n + 159)), '0909');
  assert.equal(toHex(di.subarray(n + 159)), '000000000132d0b6');
});

test('ocraTimestamp divides Unix seconds by the suite time step', () => {
  assert.equal(ocraTimestamp(parseOcraSuite('OCRA-1:HOTP-SHA512-8:QN08-T1M'), 1206446790), 0x132d0b6n);
  assert.equal(ocraTimestamp(parseOcraSuite('OCRA-1:HOTP-SHA1-6:QN08-T30S'), 59), 1n);
  assert.throws(() => ocraTimestamp(parseOcraSuite('OCRA-1:HOTP-SHA1-6:QN08'), 0), code('ocra.invalid_input'));
  assert.throws(() => ocraTimestamp(parseOcraSuite('OCRA-1:HOTP-SHA1-6:QN08-T0H'), 0), code('ocra.invalid_input'));
});

test('t = 0 returns the full HMAC in hex', () => {
  const r = computeOcra(p, 'OCRA-1:HOTP-SHA256-0:QN08', KEY20, { question: '12345678' });
  const suite = parseOcraSuite('OCRA-1:HOTP-SHA256-0:QN08');
  assert.equal(r, toHex(p.hmac('sha256', KEY20, ocraDataInput(suite, { question: '12345678' }))));
});

test('verifyOcra finds the counter ahead and the time step within the window, and no further', () => {
  const key = KEY20;
  const cs = 'OCRA-1:HOTP-SHA1-8:C-QN08';
  const r = computeOcra(p, cs, key, { question: '1234', counter: 7 });
  assert.deepEqual(verifyOcra(p, cs, key, r, { question: '1234', counter: 4 }, { counterLookAhead: 3 }), { valid: true, counter: 7n });
  assert.deepEqual(verifyOcra(p, cs, key, r, { question: '1234', counter: 4 }, { counterLookAhead: 2 }), { valid: false });
  assert.deepEqual(verifyOcra(p, cs, key, r, { question: '1234', counter: 8 }, { counterLookAhead: 5 }), { valid: false });
  const ts = 'OCRA-1:HOTP-SHA1-8:QN08-T30S';
  const rt = computeOcra(p, ts, key, { question: '1234', timestamp: 100 });
  assert.deepEqual(verifyOcra(p, ts, key, rt, { question: '1234', timestamp: 98 }, { timeWindow: 2 }), { valid: true, timestamp: 100n });
  assert.deepEqual(verifyOcra(p, ts, key, rt, { question: '1234', timestamp: 102 }, { timeWindow: 2 }), { valid: true, timestamp: 100n });
  assert.deepEqual(verifyOcra(p, ts, key, rt, { question: '1234', timestamp: 103 }, { timeWindow: 2 }), { valid: false });
  assert.throws(() => verifyOcra(p, cs, key, r, { question: '1234', counter: 0 }, { timeWindow: 1 }), code('ocra.invalid_input'));
  assert.throws(() => verifyOcra(p, ts, key, rt, { question: '1234', timestamp: 0 }, { timeWindow: 101 }), code('ocra.invalid_input'));
  assert.deepEqual(verifyOcra(p, ts, key, '', { question: '1234', timestamp: 100 }), { valid: false });
});

const suiteArb = fc.constantFrom(
  'OCRA-1:HOTP-SHA1-6:QN08',
  'OCRA-1:HOTP-SHA256-8:QA10',
  'OCRA-1:HOTP-SHA512-10:QH16',
  'OCRA-1:HOTP-SHA256-4:QH64',
  'OCRA-1:HOTP-SHA1-7:QA64',
);
const caseArb = suiteArb.chain((text) => {
  const { format, length } = parseOcraSuite(text).question;
  return fc.record({
    suite: fc.constant(text),
    key: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    nonce: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    length: fc.integer({ min: 4, max: length }),
    format: fc.constant(format),
  });
});

test('property: verify(compute(x)) holds and any changed digit is refused', () => {
  fc.assert(
    fc.property(caseArb, fc.nat(), fc.integer({ min: 1, max: 9 }), ({ suite, key, nonce, length, format }, pos, delta) => {
      const question = ocraQuestionFromNonce(nonce, format, length);
      const r = computeOcra(p, suite, key, { question });
      assert.equal(r.length, parseOcraSuite(suite).digits);
      assert.deepEqual(verifyOcra(p, suite, key, r, { question }), { valid: true });
      const i = pos % r.length;
      const changed = r.slice(0, i) + ((Number(r[i]) + delta) % 10) + r.slice(i + 1);
      assert.deepEqual(verifyOcra(p, suite, key, changed, { question }), { valid: false });
    }),
    { numRuns: 200 },
  );
});

test('property: questions from nonces have the exact length and format, and encode to 128 bytes', () => {
  const pattern = { A: /^[0-9A-Z]+$/, N: /^[0-9]+$/, H: /^[0-9A-F]+$/ } as const;
  fc.assert(
    fc.property(fc.constantFrom('A', 'N', 'H' as const), fc.integer({ min: 4, max: 64 }), fc.uint8Array({ minLength: 64, maxLength: 80 }), (format, length, nonce) => {
      const q = ocraQuestionFromNonce(nonce, format, length);
      assert.equal(q.length, length);
      assert.match(q, pattern[format]);
      assert.equal(ocraQuestionFromNonce(nonce, format, length), q);
      assert.equal(encodeOcraQuestion(format, q).length, 128);
    }),
  );
  assert.throws(() => ocraQuestionFromNonce(new Uint8Array(3), 'A', 8), code('ocra.invalid_input'));
  assert.throws(() => ocraQuestionFromNonce(new Uint8Array(32), 'H', 65), code('ocra.invalid_input'));
  assert.equal(ocraQuestionFromNonce(new Uint8Array([0xab, 0xcd, 0xef]), 'H', 5), 'ABCDE');
  assert.equal(ocraQuestionFromNonce(new Uint8Array([0, 1, 35, 36, 255]), 'A', 5), '01Z03');
  assert.equal(ocraQuestionFromNonce(new Uint8Array([0x01, 0x00]), 'N', 4), '0256');
});

test('property: mutual responses differ by direction and verify only in their own direction', () => {
  const suite = 'OCRA-1:HOTP-SHA256-8:QH64';
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (key, nT, nS) => {
      const parts = { clientQuestion: ocraQuestionFromNonce(nT, 'H', 64), serverQuestion: ocraQuestionFromNonce(nS, 'H', 64) };
      const rs = serverResponse(p, suite, key, parts);
      const rc = clientResponse(p, suite, key, parts);
      assert.equal(verifyServerResponse(p, suite, key, rs, parts).valid, true);
      assert.equal(verifyClientResponse(p, suite, key, rc, parts).valid, true);
      if (rs !== rc) {
        assert.equal(verifyClientResponse(p, suite, key, rs, parts).valid, false);
        assert.equal(verifyServerResponse(p, suite, key, rc, parts).valid, false);
      }
    }),
    { numRuns: 100 },
  );
});

test('mutual helpers check each challenge against QFxx; the handshake takes question-only suites', () => {
  const key = KEY20;
  assert.throws(() => serverResponse(p, 'OCRA-1:HOTP-SHA256-8:QA08', key, { clientQuestion: 'CLI222201', serverQuestion: 'SRV11110' }), code('ocra.invalid_input'));
  assert.throws(() => clientResponse(p, 'OCRA-1:HOTP-SHA256-8:QA08', key, { clientQuestion: 'CLI', serverQuestion: 'SRV11110' }), code('ocra.invalid_input'));
  assert.equal(assertHandshakeSuite('OCRA-1:HOTP-SHA256-8:QH64').question.length, 64);
  for (const s of ['OCRA-1:HOTP-SHA256-8:C-QH64', 'OCRA-1:HOTP-SHA256-8:QH64-PSHA1', 'OCRA-1:HOTP-SHA256-8:QH64-S064', 'OCRA-1:HOTP-SHA256-8:QH64-T1M']) {
    assert.throws(() => assertHandshakeSuite(s), code('ocra.invalid_suite'), s);
  }
});
