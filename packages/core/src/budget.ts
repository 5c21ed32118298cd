/**
 * Monthly budgets: an optional cap per team on what its tasks take in a UTC calendar month
 * (reserved + charged, by the month the task was created). The check is part of the same
 * transaction as the credit reservation, so parallel submits cannot overshoot it; it resets
 * by itself because each month counts in its own item.
 */
import { dayOf, isoTime } from "./clock.ts";
import { microToCredits, type Micro } from "./money.ts";
import type { Team } from "./ports.ts";

export const monthOf = (epochMs: number): string => dayOf(epochMs).slice(0, 7);

export function nextMonthStart(epochMs: number): number {
  const d = new Date(epochMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function budgetView(team: Team, usedMicro: Micro, nowMs: number) {
  const limit = team.monthlyBudgetMicro;
  return {
    monthly_budget: limit === undefined ? null : microToCredits(limit),
    budget_used: microToCredits(usedMicro),
    budget_remaining: limit === undefined ? null : microToCredits(Math.max(0, limit - usedMicro)),
    budget_resets_at: isoTime(nextMonthStart(nowMs)),
  };
}
