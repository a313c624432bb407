// Small value helpers shared by the Kysely stores and migrations: dates as ISO-8601 text,
// limit checks, unique-violation detection and the id column type.
import { sql } from 'kysely';

/** A Date as ISO-8601 text; a RangeError names `field` when the Date is not valid. */
export function iso(date: Date, field?: string): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new RangeError(field === undefined ? 'not a valid Date' : `${field} is not a valid Date`);
  }
  return date.toISOString();
}

/** {@link iso}, or null for null. */
export const isoOrNull = (date: Date | null, field?: string): string | null => (date === null ? null : iso(date, field));

/** Stored ISO text back as a Date, or null for null. */
export const dateOrNull = (text: string | null): Date | null => (text === null ? null : new Date(text));

/** A list limit, checked to be a non-negative integer. */
export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer');
  return limit;
}

/** Whether a driver error is a primary-key or unique violation (PostgreSQL or SQLite). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** The id column type: on PostgreSQL the "C" collation, so ids sort by bytes as SQLite's BINARY does. */
export function idType(dialect: 'sqlite' | 'postgres') {
  return dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
}
