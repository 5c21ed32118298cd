/**
 * How long a sandbox takes to solve a captcha: fixed figures (fast, for tests) or ranges drawn
 * from a seeded generator, so a benchmark run with the same seed and the same order of
 * submissions gets the same solve times.
 */
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** Inclusive bounds in milliseconds. */
export type SolveTimeRange = readonly [minMs: number, maxMs: number];

/** Realistic ranges from the seeds' typical solve speeds: images 4-12 s, tokens 15-45 s. */
export const REALISTIC_IMAGE_SOLVE_MS: SolveTimeRange = [4_000, 12_000];
export const REALISTIC_TOKEN_SOLVE_MS: SolveTimeRange = [15_000, 45_000];

/** Draws solve times: a fixed figure per kind unless the kind has a range. */
export function solveTimeDrawer<Kind extends string>(
  fixed: Record<Kind, number>,
  ranges: Partial<Record<Kind, SolveTimeRange>> | undefined,
  seed: number,
): (kind: Kind) => number {
  const rng = xoroshiro128plus(seed);
  return (kind) => {
    const range = ranges?.[kind];
    if (!range) return fixed[kind];
    const [min, max] = range;
    return uniformInt(rng, Math.round(min), Math.round(Math.max(min, max)));
  };
}
