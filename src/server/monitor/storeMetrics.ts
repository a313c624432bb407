// Gauges of the in-memory ephemeral store, so an operator can alert before it reaches its
// entry limit (past it, requests that would add an entry get 503).
import { Gauge, type Registry } from 'prom-client';
import { MemoryEphemeralStore } from '../ephemeral/memoryEphemeralStore.ts';
import type { EphemeralStore } from '../ephemeral/types.ts';

/** Registers `tessera_memory_store_entries` and `…_max_entries` when `store` is the in-memory one. */
export function registerStoreMetrics(registry: Registry, store: EphemeralStore): void {
  if (!(store instanceof MemoryEphemeralStore)) return;
  new Gauge({
    name: 'tessera_memory_store_entries',
    help: 'Entries held by the in-memory ephemeral store (expired ones not yet swept included).',
    registers: [registry],
    collect() {
      this.set(store.size);
    },
  });
  new Gauge({ name: 'tessera_memory_store_max_entries', help: 'Entry limit of the in-memory ephemeral store (TESSERA_MEMORY_MAX_ENTRIES).', registers: [registry] }).set(store.maxEntries);
}
