// test/vectors/README.md names the source of every vector file, and the vectors copied from
// the team's shared folder stay byte-identical to it (skipped when that folder is not beside
// the checkout, as on a machine outside the team's workspace).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SHARED = here('../../shared/vectors/');
const COPIES: Record<string, string> = {
  'sm2-sm3-sm4.json': 'sm2-sm3-sm4.json',
  'rfc9421-hmac.json': 'rfc9421-hmac.json',
  'ocra-rfc6287.json': 'ocra-rfc6287-oneway-signature.json',
};

test('the README of test/vectors names every vector file', () => {
  const readme = readFileSync(here('./vectors/README.md'), 'utf8');
  const files = readdirSync(here('./vectors/')).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 8);
  for (const file of files) assert.ok(readme.includes(`\`${file}\``), `README names ${file}`);
});

test('vectors copied from ../shared/vectors are unchanged', { skip: !existsSync(SHARED) && 'no ../shared/vectors beside this checkout' }, () => {
  for (const [copy, source] of Object.entries(COPIES)) {
    assert.deepEqual(readFileSync(here(`./vectors/${copy}`)), readFileSync(`${SHARED}${source}`), copy);
  }
});
