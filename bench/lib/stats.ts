// Latency percentiles and number formatting shared by the load driver and the report.

/** Nearest-rank percentile (q in 0..1) of an ascending-sorted list; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** Rounds to `digits` decimals (for the JSON line). */
export const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Formats with fixed decimals, or "n/a" for a non-finite value. */
export const fixed = (n: number | undefined, digits: number): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));
