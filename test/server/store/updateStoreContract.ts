// The update cases of the durable conformance suite (called from durableStoreContract.ts, so
// every backend runs them): manifest and file round-trip, numeric version order with
// keyset bounds, chunked reads from an offset, and one winner among concurrent publishers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTesseraError } from '../../../src/protocol/errors.ts';
import { UPDATE_CHUNK_BYTES } from '../../../src/server/store/kyselyUpdateStore.ts';
import type { DurableStore, UpdateRecord } from '../../../src/server/store/types.ts';

type WithStore = (fn: (h: { store: DurableStore }) => Promise<void>) => Promise<void>;

const T0 = new Date('2026-11-02T09:30:00.123Z');

function record(version: string, size: number, over: Partial<UpdateRecord> = {}): UpdateRecord {
  return { version, fileName: `fw-${version}.bin`, size, sha256: 'ab'.repeat(32), minVersion: null, lots: [], createdAt: T0, signature: 'S'.repeat(86), ...over };
}

/** Deterministic bytes that differ in every position of a chunk. */
function fileOf(size: number, seed = 7): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed + (i >>> 8)) & 0xff;
  return out;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Uint8Array; pieces: number }> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return { bytes: new Uint8Array(Buffer.concat(parts)), pieces: parts.length };
}

/** Registers the update cases inside a backend's describe block. */
export function updateStoreContract(withStore: WithStore): void {
  test('updates: a manifest and its multi-chunk file round-trip exactly', () =>
    withStore(async ({ store }) => {
      const size = 2 * UPDATE_CHUNK_BYTES + 12345;
      const file = fileOf(size);
      const rec = record('1.2.3', size, { minVersion: '1.0.0', lots: ['L-2026-11', 'L:b.c_d'] });
      assert.deepEqual(await store.updates.create(rec, file), rec);
      assert.deepEqual(await store.updates.get('1.2.3'), rec);
      assert.equal(await store.updates.get('1.2.4'), undefined);
      const whole = await collect(store.updates.readFile('1.2.3'));
      assert.equal(whole.pieces, 3);
      assert.ok(Buffer.from(whole.bytes).equals(Buffer.from(file)));
      for (const offset of [1, UPDATE_CHUNK_BYTES - 1, UPDATE_CHUNK_BYTES, UPDATE_CHUNK_BYTES + 7, size - 1, size]) {
        const tail = await collect(store.updates.readFile('1.2.3', offset));
        assert.ok(Buffer.from(tail.bytes).equals(Buffer.from(file.subarray(offset))), `offset ${offset}`);
      }
      assert.equal((await collect(store.updates.readFile('9.9.9'))).pieces, 0);
      const exact = fileOf(UPDATE_CHUNK_BYTES, 3);
      await store.updates.create(record('0.0.1', exact.length), exact);
      assert.equal((await collect(store.updates.readFile('0.0.1'))).pieces, 1);
    }));

  test('updates: list is newest first in numeric order, with exclusive bounds', () =>
    withStore(async ({ store }) => {
      const versions = ['1.9.0', '1.10.0', '0.0.1', '10.0.0', '2.0.0', '1.10.2', '1.2.30', '1.2.4'];
      for (const v of versions) await store.updates.create(record(v, 1), new Uint8Array([1]));
      const expected = ['10.0.0', '2.0.0', '1.10.2', '1.10.0', '1.9.0', '1.2.30', '1.2.4', '0.0.1'];
      assert.deepEqual((await store.updates.list({ limit: 100 })).map((u) => u.version), expected);
      const seen: string[] = [];
      let below: string | undefined;
      for (;;) {
        const page = await store.updates.list({ limit: 3, ...(below === undefined ? {} : { below }) });
        if (page.length === 0) break;
        seen.push(...page.map((u) => u.version));
        below = page.at(-1)!.version;
      }
      assert.deepEqual(seen, expected);
      assert.deepEqual((await store.updates.list({ limit: 100, above: '1.9.0' })).map((u) => u.version), ['10.0.0', '2.0.0', '1.10.2', '1.10.0']);
      assert.deepEqual((await store.updates.list({ limit: 100, above: '1.2.4', below: '1.10.0' })).map((u) => u.version), ['1.9.0', '1.2.30']);
      assert.deepEqual(await store.updates.list({ limit: 0 }), []);
    }));

  test('updates: a taken version is update.exists, once among 10 concurrent publishers, and the file is the winner\'s', () =>
    withStore(async ({ store }) => {
      const size = UPDATE_CHUNK_BYTES + 10;
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.updates.create(record('3.0.0', size, { fileName: `f${i}.bin` }), fileOf(size, i))));
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(isTesseraError(r.reason, 'update.exists'), String(r.reason));
      const winner = Number((await store.updates.get('3.0.0'))!.fileName.slice(1, -4));
      const { bytes } = await collect(store.updates.readFile('3.0.0'));
      assert.ok(Buffer.from(bytes).equals(Buffer.from(fileOf(size, winner))));
      await assert.rejects(store.updates.create(record('3.0.0', 1), new Uint8Array([9])), (e) => isTesseraError(e, 'update.exists'));
    }));
}
