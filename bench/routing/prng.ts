/**
 * Seeded randomness for the routing benchmark: mulberry32 for streams, and a keyed draw
 * (seed, task, provider, attempt, purpose) so that the router's run and every single-provider
 * run see the same luck for the same task on the same provider (common random numbers).
 */

import { mulberry32 } from "@solver-router/core";

export { mulberry32 };

/** Mixes integers into one 32-bit seed (murmur3's finaliser over a running hash). */
export function mix(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A fresh stream for one key: the same key always gives the same numbers. */
export const keyed = (...key: number[]): (() => number) => mulberry32(mix(...key));

/** A standard normal draw (Box-Muller). */
export function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A log-normal draw with the given median and log-space spread. */
export const logNormal = (random: () => number, median: number, sigma: number): number => median * Math.exp(sigma * normal(random));

/** An exponential draw with the given mean. */
export const exponential = (random: () => number, mean: number): number => -mean * Math.log(1 - random());

/** A stable small integer for a string (provider ids, task types) to use in keys. */
export function stringKey(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
