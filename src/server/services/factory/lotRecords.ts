// Inserting a lot's factory records (docs/factory.md §6): one block of the import bundle
// becomes `provisioned` terminals of the lot, in one transaction, skipping ids that exist.
// Used by the import route and by `tessera factory provision --database` alike.
import type { BundleRecord } from '../../../protocol/factory/lotBundle.ts';
import type { DurableStore, LotRecord, NewTerminal, TerminalRecord } from '../../store/types.ts';

/** What one block's import did. */
export interface LotImportCounts {
  /** New terminals. */
  inserted: number;
  /** Ids that existed already; `conflicts` of them belong to another lot or other hardware. */
  skipped: number;
  conflicts: number;
  /** Up to ten of the conflicting ids. */
  conflictIds: string[];
}

/**
 * The largest string that sorts (in byte order) just below `id` among terminal ids: the last
 * character one lower, then "~", which sorts above every character a terminal id may hold.
 */
function justBelow(id: string): string {
  return id.slice(0, -1) + String.fromCharCode(id.charCodeAt(id.length - 1) - 1) + '~';
}

/**
 * The stored records of `ids`: one keyset page over the range they span (factory ids of a
 * lot are usually consecutive), then single lookups for any the page did not reach.
 */
async function findExisting(store: DurableStore, ids: readonly string[]): Promise<Map<string, TerminalRecord>> {
  const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const found = new Map<string, TerminalRecord>();
  const wanted = new Set(sorted);
  // Room for up to 100 other terminals inside the span; a shorter page reached the table's end.
  const limit = sorted.length + 100;
  const page = await store.terminals.list({ after: justBelow(sorted[0]!), limit });
  for (const t of page) if (wanted.has(t.id)) found.set(t.id, t);
  const reached = page.length > 0 ? page[page.length - 1]!.id : '';
  const rest = page.length < limit ? [] : sorted.filter((id) => id > reached);
  for (let i = 0; i < rest.length; i += 16) {
    const got = await Promise.all(rest.slice(i, i + 16).map((id) => store.terminals.get(id)));
    for (const t of got) if (t) found.set(t.id, t);
  }
  return found;
}

/**
 * Inserts records of `lot` as `provisioned` terminals (kid and suites of the lot). Existing
 * ids are skipped, so a repeated import changes nothing; those that belong to another lot or
 * carry another hardware hash are counted as conflicts (and left as they are).
 */
export async function insertLotRecords(store: DurableStore, lot: LotRecord, records: readonly BundleRecord[], now: Date): Promise<LotImportCounts> {
  if (records.length === 0) return { inserted: 0, skipped: 0, conflicts: 0, conflictIds: [] };
  const rows: NewTerminal[] = records.map((r) => ({ id: r.terminalId, kid: lot.kid, suites: lot.handshakeSuites, now, status: 'provisioned', lotId: lot.id, hwHash: r.hwHash, label: null }));
  const inserted = await store.terminals.createMany(rows);
  const skipped = records.length - inserted;
  const conflictIds: string[] = [];
  let conflicts = 0;
  if (skipped > 0) {
    const existing = await findExisting(store, records.map((r) => r.terminalId));
    for (const r of records) {
      const t = existing.get(r.terminalId);
      if (t && (t.lotId !== lot.id || t.hwHash !== r.hwHash)) {
        conflicts++;
        if (conflictIds.length < 10) conflictIds.push(r.terminalId);
      }
    }
  }
  return { inserted, skipped, conflicts, conflictIds };
}
