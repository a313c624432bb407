// The browser-safe entries (`tessera/terminal`, `tessera/protocol`) bundle for a browser:
// nothing they reach imports a node: module. The Node entry is bundled too and must fail,
// which shows the check would notice a node: import slipping into the other two.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build } from 'esbuild';

const bundle = async (entry: string) => {
  const out = await build({ entryPoints: [entry], platform: 'browser', bundle: true, write: false, format: 'esm', logLevel: 'silent' });
  return out.outputFiles.map((f) => f.text).join('\n');
};

/** A node: specifier left in the output as a static, side-effect, re-export or dynamic import. */
const NODE_IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"]node:/;

for (const entry of ['src/terminal/index.ts', 'src/protocol/index.ts']) {
  test(`${entry} bundles for a browser without a node: import`, async () => {
    const code = await bundle(entry);
    assert.ok(code.includes('TesseraError'), 'the bundle holds the SDK');
    assert.doesNotMatch(code, NODE_IMPORT);
  });
}

test('src/terminal/node/index.ts does not bundle for a browser', async () => {
  await assert.rejects(bundle('src/terminal/node/index.ts'), (err: { errors?: { text: string }[] }) => {
    assert.ok(err.errors?.some((e) => /Could not resolve "node:/.test(e.text)), JSON.stringify(err.errors));
    return true;
  });
});

test('the node: check matches each form of import', () => {
  for (const line of ["import { a } from 'node:fs';", 'import "node:fs";', "export * from 'node:fs';", "await import('node:fs')"]) assert.match(line, NODE_IMPORT);
  assert.doesNotMatch("const s = 'node: is a prefix';", NODE_IMPORT);
});
