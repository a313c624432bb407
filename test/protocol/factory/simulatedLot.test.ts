// The fast path for simulated lots computes exactly fingerprintHash(simulatedLotDescriptor(…)),
// for any lot id and position (the number of digits changes the transcript's length).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { simulatedLotDescriptor, simulatedLotFingerprints } from '../../../src/protocol/factory/simulatedLotDescriptor.ts';
import { fingerprintHash } from '../../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../../src/protocol/nodePrimitives.ts';

const slow = (lotId: string, i: number) => fingerprintHash(p, simulatedLotDescriptor(p, lotId, i));

test('simulatedLotFingerprints equals fingerprintHash of the simulated descriptor', () => {
  const fphOf = simulatedLotFingerprints(p, 'L-2026-11');
  for (const i of [1, 2, 9, 10, 99, 100, 999_999, 1_000_000, 1_000_001, 123_456_789, Number.MAX_SAFE_INTEGER]) assert.deepEqual(fphOf(i), slow('L-2026-11', i), `index ${i}`);
  for (let i = 1; i <= 300; i++) assert.deepEqual(fphOf(i), slow('L-2026-11', i), `index ${i}`);
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 64 }), fc.array(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { minLength: 1, maxLength: 5 }), (lotId, indices) => {
      const of = simulatedLotFingerprints(p, lotId);
      for (const i of indices) assert.deepEqual(of(i), slow(lotId, i));
    }),
  );
});

test('simulatedLotFingerprints refuses a position that is not a positive integer, like the descriptor', () => {
  const fphOf = simulatedLotFingerprints(p, 'L-1');
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
    assert.throws(() => fphOf(bad), RangeError);
    assert.throws(() => simulatedLotDescriptor(p, 'L-1', bad), RangeError);
  }
});
