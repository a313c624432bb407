// The factory's duplicate tables: every key added once is found again, through growth, and
// distinct keys are never reported as seen (64-bit keys: no collision among these).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesKey, SeenSet, stringKey } from '../../src/cli/factory/seenSet.ts';

test('a key is new once, then seen, across many growths', () => {
  const set = new SeenSet();
  for (let i = 0; i < 200_000; i++) assert.equal(set.add(stringKey(`L-2026-11-${i}`)), true, `id ${i}`);
  assert.equal(set.size, 200_000);
  for (let i = 0; i < 200_000; i += 997) assert.equal(set.add(stringKey(`L-2026-11-${i}`)), false);
  assert.equal(set.add([0, 0]), true, 'the zero key');
  assert.equal(set.add([0, 0]), false);
  const fph = new Uint8Array(32).fill(7);
  assert.equal(set.add(bytesKey(fph)), true);
  assert.equal(set.add(bytesKey(fph.slice())), false);
});
