// The bulk insert behind `terminals.createMany` (factory imports of a million records). A
// lot's records differ only in id and hardware hash, so a statement binds the columns that are
// the same in every row of the chunk once, and only the others per row:
//   SQLite:     insert … select v.column1, ?, ?, …, v.column2 from (values (?, ?), …) as v
//   PostgreSQL: insert … select u.c1, $2::integer, …, u.c2 from unnest($1::text[], $3::text[]) as u(c1, c2)
// both `on conflict (id) do nothing`: fewer parameters to bind per row than a multi-row VALUES
// of every column, and PostgreSQL plans two arrays, not 10,000 parameters (what this did
// for the factory is in docs/factory.md §8, by `npm run bench:factory`). The SQL text is built once per dialect, row count and set of varying columns
// and sent as a compiled query, so Kysely builds no query tree and SQLite reuses the prepared
// statement.
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database, TerminalsTable } from './types.ts';

/** Every column of `terminals`, in table order. */
export const TERMINAL_COLUMNS: readonly (keyof TerminalsTable)[] = ['id', 'kid', 'status', 'suites', 'label', 'created_at', 'updated_at', 'revoked_at', 'lot_id', 'hw_hash', 'restricted_from'];
/** PostgreSQL types of the columns (the casts unnest and the constants need). */
const PG_TYPE: Readonly<Record<keyof TerminalsTable, string>> = {
  id: 'text',
  kid: 'integer',
  status: 'text',
  suites: 'text',
  label: 'text',
  created_at: 'text',
  updated_at: 'text',
  revoked_at: 'text',
  lot_id: 'text',
  hw_hash: 'text',
  restricted_from: 'text',
};
/** Rows per statement: at most 11 × 1,000 bound values, under SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const BULK_ROWS = 1000;

const texts = new Map<string, string>();

/** Whether each column varies within the rows (the id always does). */
function varyingColumns(rows: readonly TerminalsTable[]): boolean[] {
  const first = rows[0]!;
  return TERMINAL_COLUMNS.map((c) => c === 'id' || rows.some((r) => r[c] !== first[c]));
}

function insertSql(dialect: 'sqlite' | 'postgres', rows: number, varying: readonly boolean[]): string {
  const key = `${dialect}:${rows}:${varying.map(Number).join('')}`;
  let text = texts.get(key);
  if (text === undefined) {
    const target = `insert into "terminals" (${TERMINAL_COLUMNS.map((c) => `"${c}"`).join(', ')})`;
    const perRow = varying.filter(Boolean).length;
    if (dialect === 'sqlite') {
      // ? parameters are numbered in order of appearance: the constants, then the rows.
      let k = 0;
      const select = TERMINAL_COLUMNS.map((_, i) => (varying[i] ? `v.column${++k}` : '?'));
      const tuple = `(${Array.from({ length: perRow }, () => '?').join(', ')})`;
      // "where true": SQLite's parser needs it before an upsert's ON CONFLICT after a SELECT.
      text = `${target} select ${select.join(', ')} from (values ${Array.from({ length: rows }, () => tuple).join(', ')}) as v where true on conflict ("id") do nothing`;
    } else {
      let k = 0;
      const arrays: string[] = [];
      const names: string[] = [];
      const select = TERMINAL_COLUMNS.map((c, i) => {
        const n = ++k;
        if (!varying[i]) return `$${n}::${PG_TYPE[c]}`;
        arrays.push(`$${n}::${PG_TYPE[c]}[]`);
        names.push(`c${n}`);
        return `u.c${n}`;
      });
      text = `${target} select ${select.join(', ')} from unnest(${arrays.join(', ')}) as u(${names.join(', ')}) on conflict ("id") do nothing`;
    }
    if (texts.size > 64) texts.clear();
    texts.set(key, text);
  }
  return text;
}

/** The parameters of one statement, in the order of {@link insertSql}. */
function parameters(dialect: 'sqlite' | 'postgres', rows: readonly TerminalsTable[], varying: readonly boolean[]): unknown[] {
  const params: unknown[] = [];
  if (dialect === 'sqlite') {
    for (let i = 0; i < TERMINAL_COLUMNS.length; i++) if (!varying[i]) params.push(rows[0]![TERMINAL_COLUMNS[i]!]);
    for (const r of rows) for (let i = 0; i < TERMINAL_COLUMNS.length; i++) if (varying[i]) params.push(r[TERMINAL_COLUMNS[i]!]);
  } else {
    for (let i = 0; i < TERMINAL_COLUMNS.length; i++) {
      const c = TERMINAL_COLUMNS[i]!;
      params.push(varying[i] ? rows.map((r) => r[c]) : rows[0]![c]);
    }
  }
  return params;
}

/** Inserts rows in one transaction, skipping ids that exist; returns how many were new. */
export async function bulkInsertTerminals(db: Kysely<Database>, dialect: 'sqlite' | 'postgres', rows: readonly TerminalsTable[]): Promise<number> {
  if (rows.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    let inserted = 0;
    for (let i = 0; i < rows.length; i += BULK_ROWS) {
      const chunk = rows.slice(i, i + BULK_ROWS);
      const varying = varyingColumns(chunk);
      const result = await trx.executeQuery(CompiledQuery.raw(insertSql(dialect, chunk.length, varying), parameters(dialect, chunk, varying)));
      inserted += Number(result.numAffectedRows ?? 0n);
    }
    return inserted;
  });
}
