/**
 * What the benchmark measures over a set of task outcomes.
 *   answered      = tasks that got an answer / tasks
 *   right         = tasks whose answer was right / tasks
 *   credits/right = credits charged / right answers (the cost per solved task: failed attempts
 *                   are never charged, wrong answers are charged but earn nothing)
 *   p50, p95      = seconds from a task's arrival to its answer, over answered tasks
 *   mix-weighted  = the credits/right of each task type, averaged with the task mix's shares
 *                   (per-type figures do not mix answered rates into the comparison: a run that
 *                   answers more of the dearer types would otherwise look dearer per answer)
 */
import { MICRO_PER_CREDIT } from "@solver-router/core";
import type { TaskType } from "@solver-router/core";
import type { TaskOutcome } from "./simulator.ts";

export interface Figures {
  tasks: number;
  answered: number;
  right: number;
  chargedMicro: number;
  /** Credits per right answer after refunds of reported wrong answers. */
  netCostPerRight: number;
  /** Credits per right answer (Infinity when none). */
  costPerRight: number;
  answeredRate: number;
  rightRate: number;
  p50: number;
  p95: number;
}

export function figures(outcomes: readonly TaskOutcome[]): Figures {
  const answered = outcomes.filter((o) => o.status === "completed");
  const right = answered.filter((o) => o.correct).length;
  const chargedMicro = outcomes.reduce((sum, o) => sum + o.chargedMicro, 0);
  const refundedMicro = outcomes.reduce((sum, o) => sum + o.refundedMicro, 0);
  const times = answered.map((o) => o.elapsedMs / 1000).sort((a, b) => a - b);
  return {
    tasks: outcomes.length,
    answered: answered.length,
    right,
    chargedMicro,
    costPerRight: right > 0 ? chargedMicro / MICRO_PER_CREDIT / right : Infinity,
    netCostPerRight: right > 0 ? (chargedMicro - refundedMicro) / MICRO_PER_CREDIT / right : Infinity,
    answeredRate: outcomes.length ? answered.length / outcomes.length : 0,
    rightRate: outcomes.length ? right / outcomes.length : 0,
    p50: quantile(times, 0.5),
    p95: quantile(times, 0.95),
  };
}

/** Nearest-rank quantile of sorted values (NaN when empty). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Credits per right answer of each type, averaged with the given shares (renormalised over `types`). */
export function mixWeighted(outcomes: readonly TaskOutcome[], shares: readonly (readonly [TaskType, number])[], types: ReadonlySet<TaskType>): number {
  let sum = 0;
  let weight = 0;
  for (const [type, share] of shares) {
    if (!types.has(type)) continue;
    sum += share * figures(outcomes.filter((o) => o.type === type)).costPerRight;
    weight += share;
  }
  return weight > 0 ? sum / weight : NaN;
}

export const ofTypes = (outcomes: readonly TaskOutcome[], types: ReadonlySet<TaskType>) => outcomes.filter((o) => types.has(o.type));

export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
export const credits = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "—");
export const secs = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "—");

/** A plain text table: the first row is the header; numbers are right-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd();
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}
