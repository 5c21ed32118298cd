/**
 * Usage reports (docs/api.md "Usage reports"): the rollups written as each task ends, grouped by
 * any combination of day, task type and provider (and team, for the admin), with totals, as
 * JSON or CSV. Dates are inclusive UTC days.
 */
import type { RouterContext } from "./context.ts";
import { badRequest } from "./errors.ts";
import { microToCredits } from "./money.ts";
import { dayOf, isoTime } from "./clock.ts";
import { addHistograms, emptyHistogram, histogramMedian } from "./solve-time-histogram.ts";
import type { LedgerEntry, UsageRollup } from "./ports.ts";

export const USAGE_GROUPS = ["day", "task_type", "provider", "team"] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

export interface UsageQuery {
  from?: string;
  to?: string;
  group_by?: string;
  team_id?: string;
}

/** Reads and checks a usage query; each problem is a 400 naming the parameter. */
/** An inclusive UTC day range: `to` defaults to today, `from` to 29 days before `to`. */
export function parseDayRange(query: { from?: string; to?: string }, nowMs: number) {
  const to = query.to === undefined || query.to === "" ? dayOf(nowMs) : checkDay("to", query.to);
  const from = query.from === undefined || query.from === "" ? dayOf(Date.parse(to) - 29 * DAY_MS) : checkDay("from", query.from);
  if (from > to) throw badRequest(`from: ${from} is after to: ${to}`);
  if ((Date.parse(to) - Date.parse(from)) / DAY_MS + 1 > MAX_RANGE_DAYS) throw badRequest(`from/to: at most ${MAX_RANGE_DAYS} days at a time`);
  return { from, to };
}

export function parseUsageQuery(query: UsageQuery, nowMs: number, allowTeam: boolean) {
  const { from, to } = parseDayRange(query, nowMs);
  const allowed: readonly UsageGroup[] = allowTeam ? USAGE_GROUPS : USAGE_GROUPS.filter((g) => g !== "team");
  const groupBy: UsageGroup[] = [];
  for (const part of (query.group_by ?? "day").split(",").map((p) => p.trim()).filter(Boolean)) {
    if (!(allowed as readonly string[]).includes(part)) {
      throw badRequest(`group_by: "${part}" is not one of ${allowed.join(", ")}`);
    }
    if (!groupBy.includes(part as UsageGroup)) groupBy.push(part as UsageGroup);
  }
  return { from, to, groupBy };
}

function checkDay(name: string, value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)) || dayOf(Date.parse(value)) !== value) {
    throw badRequest(`${name}: "${value}" is not a date (YYYY-MM-DD)`);
  }
  return value;
}

interface Totals {
  tasks: number;
  completed: number;
  failed: number;
  chargedMicro: number;
  solveSeconds: number;
  histogram: number[];
}

const emptyTotals = (): Totals => ({ tasks: 0, completed: 0, failed: 0, chargedMicro: 0, solveSeconds: 0, histogram: emptyHistogram() });

const figures = (t: Totals) => ({
  tasks: t.tasks,
  completed: t.completed,
  failed: t.failed,
  credits_used: microToCredits(t.chargedMicro),
  avg_solve_seconds: t.completed ? Math.round((t.solveSeconds / t.completed) * 100) / 100 : null,
  median_solve_seconds: histogramMedian(t.histogram),
});

const GROUP_FIELD: Record<UsageGroup, { column: string; of: (r: UsageRollup) => string }> = {
  day: { column: "day", of: (r) => r.day },
  task_type: { column: "task_type", of: (r) => r.type },
  provider: { column: "provider", of: (r) => r.providerId },
  team: { column: "team_id", of: (r) => r.teamId },
};

export function buildUsageReport(rollups: UsageRollup[], groupBy: UsageGroup[]) {
  const groups = new Map<string, { keys: Record<string, string>; totals: Totals }>();
  const all = emptyTotals();
  for (const r of rollups) {
    const keys = Object.fromEntries(groupBy.map((g) => [GROUP_FIELD[g].column, GROUP_FIELD[g].of(r)]));
    const id = JSON.stringify(keys);
    const group = groups.get(id) ?? { keys, totals: emptyTotals() };
    for (const t of [group.totals, all]) {
      t.tasks += r.tasks;
      t.completed += r.completed;
      t.failed += r.failed;
      t.chargedMicro += r.chargedMicro;
      t.solveSeconds += r.solveSecondsTotal;
      addHistograms(t.histogram, r.solveHistogram);
    }
    groups.set(id, group);
  }
  const rows = [...groups.values()]
    .sort((a, b) => {
      for (const g of groupBy) {
        const c = GROUP_FIELD[g].of === undefined ? 0 : String(a.keys[GROUP_FIELD[g].column]).localeCompare(String(b.keys[GROUP_FIELD[g].column]));
        if (c) return c;
      }
      return 0;
    })
    .map((g) => ({ ...g.keys, ...figures(g.totals) }));
  return { rows, totals: figures(all) };
}

export async function usageReport(ctx: RouterContext, query: UsageQuery, scope: { teamId: string } | { admin: true }) {
  const admin = "admin" in scope;
  const { from, to, groupBy } = parseUsageQuery(query, ctx.clock.now(), admin);
  const teamId = admin ? query.team_id || undefined : scope.teamId;
  const rollups = await ctx.usage.query({ ...(teamId ? { teamId } : {}), fromDay: from, toDay: to });
  return { team_id: teamId ?? null, from, to, group_by: groupBy, ...buildUsageReport(rollups, groupBy) };
}

/** CSV: a header row, then one line per row (no totals line). */
export function usageCsv(report: { group_by: UsageGroup[]; rows: Record<string, unknown>[] }): string {
  const columns = [
    ...report.group_by.map((g) => GROUP_FIELD[g].column),
    "tasks",
    "completed",
    "failed",
    "credits_used",
    "avg_solve_seconds",
    "median_solve_seconds",
  ];
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(","), ...report.rows.map((row) => columns.map((c) => cell(row[c])).join(","))].join("\n") + "\n";
}

/** Ledger lines returned at most per request. */
export const LEDGER_LIMIT = 5000;

/**
 * GET /v2/ledger: the team's money movements in a day range — credits added, each task's
 * charge, refunds — with totals. credits - charges + refunds is what the range added to the
 * balance (reservations aside).
 */
export async function ledgerView(ctx: RouterContext, teamId: string, query: { from?: string; to?: string }) {
  const { from, to } = parseDayRange(query, ctx.clock.now());
  const lines = await ctx.teams.ledger(teamId, { fromDay: from, toDay: to, limit: LEDGER_LIMIT + 1 });
  const shown = lines.slice(0, LEDGER_LIMIT);
  const sum = (kind: LedgerEntry["kind"]) => shown.filter((l) => l.kind === kind).reduce((total, l) => total + Math.abs(l.amountMicro), 0);
  return {
    team_id: teamId,
    from,
    to,
    entries: shown.map((l) => ({
      at: isoTime(l.at),
      kind: l.kind,
      amount: microToCredits(l.amountMicro),
      task_id: l.taskId ?? null,
      task_type: l.taskType ?? null,
      provider: l.providerId ?? null,
    })),
    totals: { credits: microToCredits(sum("credit")), charges: microToCredits(sum("charge")), refunds: microToCredits(sum("refund")) },
    truncated: lines.length > LEDGER_LIMIT,
  };
}
