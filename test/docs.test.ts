// The docs tables (settings, error codes) say exactly what the code says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GENERATED_BLOCKS, replaceBlock } from '../scripts/docTables.ts';

for (const { file, name, render } of GENERATED_BLOCKS) {
  test(`${file} ${name} table matches the code (run: npx tsx scripts/docTables.ts)`, () => {
    const text = readFileSync(file, 'utf8');
    assert.equal(replaceBlock(text, name, render()), text);
  });
}
