// A provisioning batch as the workers compute it: the ids, fingerprints and bundle hashes of the
// protocol functions, and a pack of images that each parse and unseal to the terminal's K_t on
// its hardware; a bad descriptor stops the batch after the good ones. The batch block hashing
// equals the protocol's blockDigest however a block is split across batches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BlockHasher } from '../../src/cli/factory/blockHasher.ts';
import { batchProvisioner, type ProvisionBatch } from '../../src/cli/factory/provisionBatch.ts';
import { AEAD_SUITE_NAMES, type AeadSuiteName } from '../../src/protocol/aeadSuites.ts';
import { toBase64Url } from '../../src/protocol/bytes.ts';
import { blockDigest } from '../../src/protocol/factory/lotBundle.ts';
import { deriveLotTerminalKey } from '../../src/protocol/factory/lotKeys.ts';
import { defaultTerminalId, provisionTerminal } from '../../src/protocol/factory/provisionTerminal.ts';
import { simulatedLotDescriptor } from '../../src/protocol/factory/simulatedLotDescriptor.ts';
import type { LotMaterial } from '../../src/protocol/factory/stationFile.ts';
import { fingerprintHash } from '../../src/protocol/hardware/hardwareFingerprint.ts';
import { nodePrimitives as p } from '../../src/protocol/nodePrimitives.ts';
import { parseOtpImage, unsealOtpImage } from '../../src/protocol/otp/otpImage.ts';

const lotOf = (aeadSuites: AeadSuiteName[]): LotMaterial => ({
  lotKey: p.randomBytes(32),
  fields: { lotId: 'L-BATCH', kid: 3, serverId: 'tessera-test', url: 'https://tessera.example', handshakeSuites: ['hmac-sha256', 'hmac-sm3'], aeadSuites, updatePublicKey: p.randomBytes(32) },
});

/** The images of a batch's pack, checking each length prefix against `lengths`. */
function imagesOf(b: ProvisionBatch): Uint8Array[] {
  const view = new DataView(b.pack.buffer, b.pack.byteOffset, b.pack.byteLength);
  const out: Uint8Array[] = [];
  let off = 0;
  for (let i = 0; i < b.ids.length; i++) {
    const length = view.getUint32(off);
    assert.equal(length, b.lengths[i]);
    out.push(b.pack.subarray(off + 4, off + 4 + length));
    off += 4 + length;
  }
  assert.equal(off, b.pack.length, 'nothing after the last image');
  return out;
}

for (const first of AEAD_SUITE_NAMES) {
  test(`${first}: a simulated batch holds the protocol's ids and fingerprints, and images that unseal to K_t on their hardware only`, () => {
    const lot = lotOf([first, ...AEAD_SUITE_NAMES.filter((s) => s !== first)]);
    const provision = batchProvisioner(p, lot);
    for (const job of [{ first: 1, count: 40 }, { first: 999_990, count: 20 }]) {
      const b = provision(job);
      assert.equal(b.failure, undefined);
      assert.equal(b.ids.length, job.count);
      const salts = new Set<string>();
      for (const [i, image] of imagesOf(b).entries()) {
        const position = job.first + i;
        const fph = fingerprintHash(p, simulatedLotDescriptor(p, 'L-BATCH', position));
        assert.equal(b.ids[i], defaultTerminalId('L-BATCH', position));
        assert.deepEqual(b.fph.subarray(32 * i, 32 * i + 32), fph);
        assert.equal(b.hwHashes[i], toBase64Url(fph));
        const parsed = parseOtpImage(p, image);
        assert.equal(parsed.terminalId, b.ids[i]);
        assert.equal(parsed.aeadSuites[0], first);
        assert.deepEqual(unsealOtpImage(p, parsed, fph), deriveLotTerminalKey(p, lot.lotKey, b.ids[i]!));
        assert.equal(unsealOtpImage(p, parsed, b.fph.subarray(32 * ((i + 1) % job.count), 32 * ((i + 1) % job.count) + 32)), undefined);
        salts.add(toBase64Url(parsed.salt));
      }
      assert.equal(salts.size, job.count, 'a fresh salt per image');
    }
  });
}

test('a descriptor file batch matches provisionTerminal and stops at the first bad line, keeping those before it', () => {
  const lot = lotOf([...AEAD_SUITE_NAMES]);
  const lines = [JSON.stringify({ terminalId: 'POS-1', cpuSerial: 'AB12' }), JSON.stringify({ macs: ['AA:BB:CC:00:11:22', 'aa:bb:cc:00:11:22'] }), '{"cpuSerial": 42}', JSON.stringify({ cpuSerial: 'never reached' })];
  const b = batchProvisioner(p, lot)({ first: 11, count: 4, lines, lineNumbers: [20, 21, 23, 24] });
  assert.deepEqual(b.ids, ['POS-1', defaultTerminalId('L-BATCH', 12)]);
  assert.deepEqual(b.failure, { position: 13, line: 23, code: 'input.invalid', message: 'hardware field cpuSerial must be a string or a list of strings' });
  for (const [i, image] of imagesOf(b).entries()) {
    const reference = provisionTerminal(p, lot, 11 + i, JSON.parse(lines[i]!));
    assert.equal(reference.terminalId, b.ids[i]);
    assert.deepEqual(b.fph.subarray(32 * i, 32 * i + 32), reference.fph);
    assert.equal(image.length, reference.image.length);
    assert.deepEqual(unsealOtpImage(p, parseOtpImage(p, image), reference.fph), deriveLotTerminalKey(p, lot.lotKey, b.ids[i]!));
  }
  const none = batchProvisioner(p, lot)({ first: 1, count: 1, lines: ['not json'], lineNumbers: [1] });
  assert.deepEqual([none.ids, none.pack.length, none.fph.length, none.failure?.line], [[], 0, 0, 1]);
});

test('BlockHasher.addMany over any split of a batch equals blockDigest', () => {
  const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/);
  const record = fc.record({ terminalId: id, fph: fc.uint8Array({ minLength: 32, maxLength: 32 }) });
  fc.assert(
    fc.property(id, fc.nat(), fc.array(record, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 4 }), (lotId, index, records, cuts) => {
      const ids = records.map((r) => r.terminalId);
      const fph = new Uint8Array(32 * records.length);
      for (const [i, r] of records.entries()) fph.set(r.fph, 32 * i);
      const bounds = [0, ...cuts.map((c) => c % (records.length + 1)).sort((a, b) => a - b), records.length];
      const h = new BlockHasher(lotId, index);
      for (let k = 1; k < bounds.length; k++) h.addMany(ids, fph, bounds[k - 1]!, bounds[k]!);
      assert.equal(h.count, records.length);
      assert.deepEqual(h.digest(), blockDigest(p, lotId, index, records));
    }),
  );
});
