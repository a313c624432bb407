// Serialization the partial unique indexes cannot give the bindings store on PostgreSQL.
// Under READ COMMITTED a statement does not see another transaction's uncommitted rows, so
// "end the number's other bindings, then activate this one" lets two transactions both
// activate when their rows differ in the indexed key: the same number hashed under two
// master-key kids, or two new pending rows of one terminal (the index covers active rows
// only). Each such transaction first takes a transaction-scoped advisory lock on every key
// it claims; the second waits for the first to commit, and its next statement sees the rows.
//
// SQLite needs none: Kysely's SQLite driver holds its one connection (a mutex) from `begin`
// to `commit`, so no other statement of the process runs inside a transaction, and a second
// process on the same file (not a supported set-up) would get SQLITE_BUSY_SNAPSHOT from WAL
// rather than write over rows it did not see.
import { sql, type Transaction } from 'kysely';
import type { Database } from './types.ts';

/** What a lock key names; part of the locked text, so the kinds never share a key. */
export type BindingLockKind = 'number' | 'terminal';

/**
 * Takes `pg_advisory_xact_lock` on each key (released at commit or rollback). Keys are
 * locked one by one in sorted order, so two transactions whose key sets overlap cannot
 * deadlock, whichever subset each holds (servers with different key rings during a rotation).
 * Two keys whose 64-bit hashes collide only serialize more than needed.
 */
export async function lockBindingKeys(trx: Transaction<Database>, dialect: 'sqlite' | 'postgres', kind: BindingLockKind, keys: readonly string[]): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const key of [...new Set(keys)].sort()) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`tessera/binding/${kind}:${key}`}, 0))`.execute(trx);
  }
}
