// The update-manifest vector (test/vectors/update-manifest.json): the transcript and the
// Ed25519 signature, recomputed from the rules in docs/protocol.md with node:crypto alone and
// through src/protocol; the docs quote the same values.
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fromBase64Url, toHex } from '../../../src/protocol/bytes.ts';
import { nodePrimitives } from '../../../src/protocol/nodePrimitives.ts';
import { checkUpdateFile } from '../../../src/protocol/updates/checkUpdateFile.ts';
import { updateManifestTranscript } from '../../../src/protocol/updates/updateManifest.ts';
import { verifyUpdateManifest } from '../../../src/protocol/updates/verifyUpdateManifest.ts';

const V = JSON.parse(readFileSync('test/vectors/update-manifest.json', 'utf8'));
const m = V.signedManifest.manifest;

/** item(x) = u16be(len(x)) ‖ x, written out again without the library. */
const item = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);

test('the transcript follows the documented layout, byte for byte', () => {
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(m.size));
  const byHand = Buffer.concat([
    item(Buffer.from('tessera/1/update-manifest')),
    item(Buffer.from(m.version)),
    item(Buffer.from(m.fileName)),
    item(size),
    item(Buffer.from(m.sha256, 'hex')),
    item(Buffer.from(m.minVersion ?? '')),
    item(Buffer.concat(m.lots.map((l: string) => item(Buffer.from(l))))),
    item(Buffer.from(m.createdAt)),
  ]);
  assert.equal(byHand.toString('hex'), V.transcriptHex);
  assert.equal(toHex(updateManifestTranscript(m)), V.transcriptHex);
});

test('the signature is Ed25519 of the transcript under the RFC 8032 test key', () => {
  const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(V.updateKeySeedHex, 'hex')]), format: 'der', type: 'pkcs8' });
  assert.equal(sign(null, Buffer.from(V.transcriptHex, 'hex'), key).toString('base64url'), V.signedManifest.signature);
  assert.equal(Buffer.from(fromBase64Url(V.updatePublicKey)).toString('hex'), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
});

test('the vector verifies for a terminal of a listed lot, and its file checks', () => {
  const file = new TextEncoder().encode(V.fileUtf8);
  assert.equal(createHash('sha256').update(file).digest('hex'), m.sha256);
  const verdict = verifyUpdateManifest(nodePrimitives, fromBase64Url(V.updatePublicKey), V.signedManifest, { currentVersion: '1.0.0', lotId: 'L-2026-12' });
  assert.deepEqual(verdict, { ok: true, manifest: m });
  assert.deepEqual(checkUpdateFile(nodePrimitives, m, file), { ok: true });
});

test('docs/protocol.md quotes the vector', () => {
  const docs = readFileSync('docs/protocol.md', 'utf8').replace(/\s+/g, '');
  for (const value of [V.transcriptHex, V.signedManifest.signature, V.updatePublicKey, m.sha256]) assert.ok(docs.includes(value), `docs/protocol.md lacks ${value.slice(0, 16)}…`);
});
