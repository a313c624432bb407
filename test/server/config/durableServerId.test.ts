// The deployment's server id is fixed in the durable store on the first start: later rings,
// TESSERA_SERVER_ID overrides and processes starting together do not move it.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { durableServerId, SERVER_ID_KEY } from '../../../src/server/config/durableServerId.ts';
import { parseMasterKeys } from '../../../src/server/config/masterKeys.ts';
import { deriveServerId } from '../../../src/server/config/serverConfig.ts';
import { openDurableStore } from '../../../src/server/store/openDurableStore.ts';
import type { DurableStore } from '../../../src/server/store/types.ts';

const KEY = (byte: number) => Buffer.alloc(32, byte).toString('base64url');
const RING_1_2 = parseMasterKeys(`1:${KEY(1)},2:${KEY(2)}`);
const RING_2 = parseMasterKeys(`2:${KEY(2)}`);

async function withMemoryStore(fn: (store: DurableStore) => Promise<void>): Promise<void> {
  const store = await openDurableStore({ sqlitePath: ':memory:' });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

test('the first start stores the derived id; a later ring without kid 1 keeps it', () =>
  withMemoryStore(async (store) => {
    const first = await durableServerId(store.meta, RING_1_2, undefined);
    assert.deepEqual(first, { serverId: deriveServerId(RING_1_2), warning: undefined });
    assert.equal(await store.meta.get(SERVER_ID_KEY), first.serverId);
    assert.notEqual(deriveServerId(RING_2), first.serverId);
    assert.deepEqual(await durableServerId(store.meta, RING_2, undefined), first);
  }));

test('TESSERA_SERVER_ID is stored when no id is, and used from then on without it', () =>
  withMemoryStore(async (store) => {
    assert.deepEqual(await durableServerId(store.meta, RING_1_2, 'tessera-prod'), { serverId: 'tessera-prod', warning: undefined });
    assert.deepEqual(await durableServerId(store.meta, RING_2, undefined), { serverId: 'tessera-prod', warning: undefined });
  }));

test('TESSERA_SERVER_ID differing from the stored id wins with a warning and replaces nothing', () =>
  withMemoryStore(async (store) => {
    const stored = (await durableServerId(store.meta, RING_1_2, undefined)).serverId;
    const overridden = await durableServerId(store.meta, RING_1_2, 'tessera-other');
    assert.equal(overridden.serverId, 'tessera-other');
    assert.match(overridden.warning ?? '', new RegExp(`tessera-other.*${stored}`));
    assert.equal(await store.meta.get(SERVER_ID_KEY), stored);
  }));

test('two processes on one SQLite file starting together agree, whatever their rings', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-server-id-'));
  const path = join(dir, 'tessera.sqlite');
  // Opened one after the other (each migrates); the race is on the id.
  const stores = [await openDurableStore({ sqlitePath: path }), await openDurableStore({ sqlitePath: path })];
  try {
    const [a, b] = await Promise.all([durableServerId(stores[0]!.meta, RING_1_2, undefined), durableServerId(stores[1]!.meta, RING_2, undefined)]);
    assert.equal(a.serverId, b.serverId);
    assert.ok([deriveServerId(RING_1_2), deriveServerId(RING_2)].includes(a.serverId));
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  }
});
