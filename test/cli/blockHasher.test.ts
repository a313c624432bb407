// The streaming block digest of the factory CLI equals the protocol's blockDigest for any
// records (ids, fingerprints, lot id, block index), before and after more records are added.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BlockHasher } from '../../src/cli/factory/blockHasher.ts';
import { blockDigest } from '../../src/protocol/factory/lotBundle.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';

test('BlockHasher equals blockDigest', () => {
  const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/);
  fc.assert(
    fc.property(id, fc.nat(), fc.array(fc.record({ terminalId: id, fph: fc.uint8Array({ minLength: 32, maxLength: 32 }) }), { maxLength: 20 }), (lotId, index, records) => {
      const h = new BlockHasher(lotId, index);
      for (const [i, r] of records.entries()) {
        h.add(r.terminalId, r.fph);
        if (i === 0) assert.deepEqual(h.digest(), blockDigest(p, lotId, index, records.slice(0, 1)));
      }
      assert.deepEqual(h.digest(), blockDigest(p, lotId, index, records));
      assert.equal(h.count, records.length);
    }),
  );
});
