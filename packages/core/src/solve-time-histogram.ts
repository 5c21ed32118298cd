/**
 * Solve times kept as a histogram in each usage rollup, so reports can give a median (which a
 * sum cannot) while rollups stay additive counters. Bucket i holds times in (edge[i-1], edge[i]];
 * the last bucket holds everything above the last edge.
 */
export const SOLVE_TIME_EDGES_SECONDS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 90, 120, 150, 180, 240, 300, 450, 600] as const;
export const SOLVE_TIME_BUCKETS = SOLVE_TIME_EDGES_SECONDS.length + 1;

export function solveTimeBucket(seconds: number): number {
  const index = SOLVE_TIME_EDGES_SECONDS.findIndex((edge) => seconds <= edge);
  return index === -1 ? SOLVE_TIME_EDGES_SECONDS.length : index;
}

export const emptyHistogram = (): number[] => Array.from({ length: SOLVE_TIME_BUCKETS }, () => 0);

export function addHistograms(into: number[], from: readonly number[]): number[] {
  for (let i = 0; i < SOLVE_TIME_BUCKETS; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
  return into;
}

/**
 * The median, interpolated linearly inside the bucket that holds it (so it is exact to the
 * bucket's width); null without data. Times above the last edge count as the last edge.
 */
export function histogramMedian(counts: readonly number[]): number | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const half = total / 2;
  let seen = 0;
  for (let i = 0; i < SOLVE_TIME_BUCKETS; i++) {
    const n = counts[i] ?? 0;
    if (n > 0 && seen + n >= half) {
      const lower = i === 0 ? 0 : SOLVE_TIME_EDGES_SECONDS[i - 1]!;
      const upper = SOLVE_TIME_EDGES_SECONDS[i] ?? lower;
      return Math.round((lower + ((half - seen) / n) * (upper - lower)) * 100) / 100;
    }
    seen += n;
  }
  return null;
}
