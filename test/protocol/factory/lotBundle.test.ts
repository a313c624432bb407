// The factory's pure parts: the import bundle (block digests under a manifest MAC keyed from
// the lot key: any altered record, block or manifest field is refused), the per-terminal
// provisioning step (its image unseals to the lot-derived key on its hardware only), and the
// simulated descriptors (deterministic per lot and position).
import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromBase64Url, toBase64Url } from '../../../src/protocol/bytes.ts';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { blockDigest, type BundleManifest, type BundleRecord, deriveLotImportKey, sealManifest, verifyBlock, verifyManifest } from '../../../src/protocol/factory/lotBundle.ts';
import { deriveLotKey, deriveLotTerminalKey } from '../../../src/protocol/factory/lotKeys.ts';
import { defaultTerminalId, provisionTerminal } from '../../../src/protocol/factory/provisionTerminal.ts';
import { simulatedLotDescriptor } from '../../../src/protocol/factory/simulatedLotDescriptor.ts';
import { type LotMaterial, parseStationFile, stationFileFor } from '../../../src/protocol/factory/stationFile.ts';
import { fingerprintHash } from '../../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../../src/protocol/nodePrimitives.ts';
import { parseOtpImage, unsealOtpImage } from '../../../src/protocol/otp/otpImage.ts';

const master = new Uint8Array(32).fill(9);
const lotId = 'L-2026-11';
const lotKey = deriveLotKey(p, master, lotId);
const lot: LotMaterial = {
  lotKey,
  fields: { lotId, kid: 1, serverId: 'tessera-test', url: 'https://tessera.example', handshakeSuites: ['hmac-sha256', 'hmac-sm3'], aeadSuites: ['aes-256-gcm', 'sm4-cbc+hmac-sm3'], updatePublicKey: new Uint8Array(32).fill(7) },
};

function bundle(count: number, blockSize: number): { manifest: BundleManifest; blocks: BundleRecord[][] } {
  const records = Array.from({ length: count }, (_, i) => ({ terminalId: defaultTerminalId(lotId, i + 1), fph: fingerprintHash(p, simulatedLotDescriptor(p, lotId, i + 1)) }));
  const blocks: Array<typeof records> = [];
  for (let i = 0; i < count; i += blockSize) blocks.push(records.slice(i, i + blockSize));
  const manifest = sealManifest(p, lotKey, { lotId, kid: 1, count, blockSize, blocks: blocks.map((b, i) => toBase64Url(blockDigest(p, lotId, i, b))) });
  return { manifest, blocks: blocks.map((b) => b.map((r) => ({ terminalId: r.terminalId, hwHash: toBase64Url(r.fph) }))) };
}

const refused = (e: unknown) => isTesseraError(e, 'lot.bundle_invalid');
const { manifest, blocks } = bundle(23, 10);

test('K_imp = HKDF-SHA256(K_lot, salt "", info "tessera/1/lot-import")', () => {
  assert.deepEqual(Buffer.from(deriveLotImportKey(p, lotKey)), Buffer.from(hkdfSync('sha256', lotKey, new Uint8Array(0), 'tessera/1/lot-import', 32)));
});

test('a sealed manifest verifies, and each block verifies against it on its own', () => {
  assert.equal(manifest.blocks.length, 3);
  verifyManifest(p, lotKey, manifest);
  for (const [i, b] of blocks.entries()) assert.equal(verifyBlock(p, manifest, i, b).length, b.length);
  assert.equal(blocks[2]!.length, 3, 'the last block is short');
});

test('every manifest field is covered by the MAC', () => {
  const altered: BundleManifest[] = [
    { ...manifest, lotId: 'L-2026-12' },
    { ...manifest, kid: 2 },
    { ...manifest, count: 22 },
    { ...manifest, count: 24 },
    { ...manifest, blockSize: 11 },
    { ...manifest, blocks: [manifest.blocks[1]!, manifest.blocks[0]!, manifest.blocks[2]!] },
    { ...manifest, blocks: manifest.blocks.slice(0, 2), count: 20 },
    { ...manifest, mac: toBase64Url(new Uint8Array(32)) },
    { ...manifest, mac: 'not base64url!' },
  ];
  for (const m of altered) assert.throws(() => verifyManifest(p, lotKey, m), refused, JSON.stringify(m));
  assert.throws(() => verifyManifest(p, deriveLotKey(p, master, 'L-other'), manifest), refused, 'another lot\'s key');
});

test('any altered, dropped, added, reordered or misplaced record is refused', () => {
  const b = blocks[0]!;
  assert.throws(() => verifyBlock(p, manifest, 0, b.slice(1)), refused);
  assert.throws(() => verifyBlock(p, manifest, 0, [...b, b[0]!]), refused);
  assert.throws(() => verifyBlock(p, manifest, 0, [b[1]!, b[0]!, ...b.slice(2)]), refused);
  assert.throws(() => verifyBlock(p, manifest, 1, b), refused, 'block 0 sent as block 1');
  assert.throws(() => verifyBlock(p, manifest, 3, b), refused, 'no block 3');
  assert.throws(() => verifyBlock(p, manifest, 0, [{ ...b[0]!, terminalId: 'L-2026-11-000099' }, ...b.slice(1)]), refused);
  fc.assert(
    fc.property(fc.nat(b.length - 1), fc.nat(31), fc.integer({ min: 1, max: 255 }), (row, byte, x) => {
      const fph = fromBase64Url(b[row]!.hwHash);
      fph[byte]! ^= x;
      const bad = b.map((r, i) => (i === row ? { ...r, hwHash: toBase64Url(fph) } : r));
      assert.throws(() => verifyBlock(p, manifest, 0, bad), refused);
    }),
  );
});

test('a terminal\'s image unseals to the lot-derived key on its hardware only', () => {
  const descriptor = simulatedLotDescriptor(p, lotId, 42);
  const t = provisionTerminal(p, lot, 42, descriptor);
  assert.equal(t.terminalId, 'L-2026-11-000042');
  assert.deepEqual(t.fph, fingerprintHash(p, descriptor));
  const image = parseOtpImage(p, t.image);
  assert.deepEqual({ lotId: image.lotId, terminalId: image.terminalId, kid: image.kid, aead: image.aeadSuites[0] }, { lotId, terminalId: t.terminalId, kid: 1, aead: 'aes-256-gcm' });
  assert.deepEqual(unsealOtpImage(p, image, t.fph), deriveLotTerminalKey(p, lotKey, t.terminalId));
  assert.equal(unsealOtpImage(p, image, fingerprintHash(p, simulatedLotDescriptor(p, lotId, 43))), undefined);
  const named = provisionTerminal(p, lot, 1, { terminalId: 'POS-7', cpuSerial: 'abc' });
  assert.equal(named.terminalId, 'POS-7', 'a descriptor may name its terminal');
  assert.throws(() => provisionTerminal(p, { ...lot, fields: { ...lot.fields, lotId: 'L'.repeat(60) } }, 1, { cpuSerial: 'abc' }), (e) => isTesseraError(e, 'input.invalid'), 'an id past 64 characters');
  assert.throws(() => provisionTerminal(p, lot, 1, { terminalId: 'POS 7', cpuSerial: 'abc' }), (e) => isTesseraError(e, 'input.invalid'));
});

test('simulated descriptors depend on the lot and the position only', () => {
  assert.deepEqual(simulatedLotDescriptor(p, lotId, 5), simulatedLotDescriptor(p, lotId, 5));
  assert.notDeepEqual(simulatedLotDescriptor(p, lotId, 5), simulatedLotDescriptor(p, lotId, 6));
  assert.notDeepEqual(simulatedLotDescriptor(p, lotId, 5), simulatedLotDescriptor(p, 'L-2026-12', 5));
  const mac = (simulatedLotDescriptor(p, lotId, 5)['macs'] as string[])[0]!;
  assert.match(mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  assert.equal(Number.parseInt(mac.slice(0, 2), 16) & 0x03, 0x02, 'locally administered unicast');
});

test('a station file round-trips and rejects what would make bad images', () => {
  const file = stationFileFor(lot);
  assert.deepEqual(parseStationFile(JSON.parse(JSON.stringify(file))), lot);
  for (const bad of [{ ...file, version: 2 }, { ...file, lotKey: 'AAAA' }, { ...file, aeadSuites: ['rot13'] }, { ...file, handshakeSuites: [] }, { ...file, url: 'ftp://x' }, { ...file, kid: 0 }]) {
    assert.throws(() => parseStationFile(bad), (e) => isTesseraError(e, 'input.invalid'), JSON.stringify(bad));
  }
});

test('the OTP image layout of docs/factory.md §4, byte by byte', () => {
  const fields = { ...lot.fields, serverId: 'tessera-0123456789abcdef', url: 'https://tessera.example.com', aeadSuites: ['aes-256-gcm', 'chacha20-poly1305', 'sm4-cbc+hmac-sm3'] as LotMaterial['fields']['aeadSuites'] };
  const t = provisionTerminal(p, { lotKey, fields }, 1, simulatedLotDescriptor(p, lotId, 1));
  const b = t.image;
  const u16 = (at: number) => (b[at]! << 8) | b[at + 1]!;
  assert.equal(b.length, 331);
  assert.deepEqual([...b.subarray(0, 6)], [0x54, 0x53, 0x4f, 0x54, 1, 1]);
  assert.equal(new DataView(b.buffer, b.byteOffset).getUint32(6), 1);
  assert.deepEqual(b.subarray(10, 42), fields.updatePublicKey);
  const items: Array<[number, number]> = [[74, 9], [85, 16], [103, 24], [129, 27], [158, 23], [183, 50], [235, 12], [249, 48]];
  for (const [at, len] of items) assert.equal(u16(at), len, `item at ${at}`);
  assert.equal(new TextDecoder().decode(b.subarray(87, 103)), 'L-2026-11-000001');
  assert.deepEqual(b.subarray(299), p.digest('sha256', b.subarray(0, 299)));
  const image = parseOtpImage(p, b);
  assert.deepEqual(image.aad, b.subarray(0, 235));
  assert.deepEqual(image.salt, b.subarray(42, 74));
});
