/**
 * Every item type of the table, declared once: its keys, its index attributes and its mapping
 * to the domain (table-definition.ts has the physical schema; docs/architecture.md "The table"
 * lists the items with the reads and writes each serves).
 *
 *   TEAM#<team>            / TEAM                      team: balance, reserved, charged, credited, task counts
 *   TEAMS#<0..15>          / <team>                    team directory (listing teams, the sweeper's walk)
 *   TEAM#<team>            / KEY#<prefix>#<hash>       a key's prefix → its hash (for revocation)
 *   APIKEY#<sha256>        / APIKEY                    a key's hash → its team (for auth)
 *   TEAM#<team>            / LEDGER#<time>#<what>      one line per money movement
 *   TEAM#<team>            / BUDGET#<YYYY-MM>          what the month's budgeted tasks hold or were charged
 *   TEAM#<team>            / CALLBACKSECRET            the team's callback signing secret (read only to sign)
 *   TEAM#<team>            / REPORTS#<hour>            bad reports forwarded in that hour (report cap, TTL)
 *   TASKS#<team>           / <task id>                 a task: hot state + record (+ its request when small, else its chunk count)
 *   TASKDATA#<task id>     / PAYLOAD#<n>               a large request, in ≤350 KB chunks, deleted when the task ends
 *   IDEM#<team>#<key>      / IDEM                      Idempotency-Key → task
 *   USAGE#<team>           / <day>#<type>#<provider>   usage rollup (gsi1: USAGEDAY#<day> / <team>#<type>#<provider>)
 *   PROVIDERS              / <provider>                cooldown, pause, pingback registration
 *   PROVIDERS              / #obs#<bucket>#<provider>  observed figures of one time bucket (TTL)
 *   PROVIDER_BALANCES      / <provider>                the router's balance at that upstream (dynamo-provider-balance-store.ts)
 *   PACE#<provider>        / PACE                      the account's next free submit slot
 *   STREAM#<shard>         / CHECKPOINT                the last stream record the aggregator applied
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { encodeTime, monotonicFactory } from "ulid";
import { SOLVE_TIME_BUCKETS, type LedgerEntry, type TaskRecord, type Team, type TaskStatus, type TaskType, type UsageRollup } from "@solver-router/core";

export const TEAM_DIRECTORY_SHARDS = 16;

/** A small stable hash (FNV-1a) for spreading keys over shards. */
export function shardOf(value: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

/**
 * Task ids carry their team (`<ulid>-<team id>`): a task lives in its team's partition, where
 * the task list is a query in id (= time) order, and can still be found from its id alone.
 */
export const teamOfTaskId = (taskId: string): string | undefined => {
  const at = taskId.indexOf("-");
  return at === 26 && taskId.length > 27 ? taskId.slice(27) : undefined;
};

const monotonicUlid = monotonicFactory();
/** Time-ordered, strictly increasing within an instance: the list is newest first even within a millisecond. */
export const newOrderedId = (): string => monotonicUlid().toLowerCase();

/** The 10-character ULID time prefix of an instant (lowercase): ids at or after it sort from it. */
export const idPrefixAt = (ms: number): string => encodeTime(Math.max(0, Math.floor(ms)), 10).toLowerCase();

export const keys = {
  team: (teamId: string) => ({ pk: `TEAM#${teamId}`, sk: "TEAM" }),
  teamDirectory: (teamId: string) => ({ pk: `TEAMS#${shardOf(teamId, TEAM_DIRECTORY_SHARDS)}`, sk: teamId }),
  teamKey: (teamId: string, prefix: string, hash: string) => ({ pk: `TEAM#${teamId}`, sk: `KEY#${prefix}#${hash}` }),
  apiKey: (hash: string) => ({ pk: `APIKEY#${hash}`, sk: "APIKEY" }),
  /** `what` tells lines of the same instant apart: `<task_id>#charge`, `credit#<ulid>`… */
  ledger: (teamId: string, atMs: number, what: string) => ({ pk: `TEAM#${teamId}`, sk: `LEDGER#${new Date(atMs).toISOString()}#${what}` }),
  budgetMonth: (teamId: string, month: string) => ({ pk: `TEAM#${teamId}`, sk: `BUDGET#${month}` }),
  callbackSecret: (teamId: string) => ({ pk: `TEAM#${teamId}`, sk: "CALLBACKSECRET" }),
  teamTasks: (teamId: string) => `TASKS#${teamId}`,
  task: (taskId: string) => ({ pk: `TASKS#${teamOfTaskId(taskId) ?? "?"}`, sk: taskId }),
  payload: (taskId: string, index: number) => ({ pk: `TASKDATA#${taskId}`, sk: `PAYLOAD#${String(index).padStart(3, "0")}` }),
  idempotency: (teamId: string, key: string) => ({ pk: `IDEM#${teamId}#${key}`, sk: "IDEM" }),
  usage: (teamId: string, day: string, type: string, providerId: string) => ({ pk: `USAGE#${teamId}`, sk: `${day}#${type}#${providerId}` }),
  usageDay: (day: string) => `USAGEDAY#${day}`,
  provider: (providerId: string) => ({ pk: "PROVIDERS", sk: providerId }),
  pace: (providerId: string) => ({ pk: `PACE#${providerId}`, sk: "PACE" }),
  streamCheckpoint: (shardId: string) => ({ pk: `STREAM#${shardId}`, sk: "CHECKPOINT" }),
};

/** Usage rollup attributes solve_h0, solve_h1, …: completed tasks per solve-time bucket. */
export const SOLVE_HISTOGRAM_ATTRIBUTE = "solve_h";

/** Team item attributes counting the team's tasks per status (the task list's `total`). */
export const taskCountAttribute = (status: TaskStatus) => `tasks_${status}`;

/**
 * The task record as the task item keeps it: compressed JSON (binary). A record is mostly
 * repeated field names and ids; compressed it stays under 1 KB, so every write of the task item
 * costs one write unit (two in a transaction) instead of two or three.
 */
export const taskRecord = {
  toAttribute: (task: TaskRecord): Uint8Array => deflateRawSync(Buffer.from(JSON.stringify(task), "utf8")),
  fromAttribute: (value: unknown): TaskRecord | undefined =>
    value instanceof Uint8Array ? (JSON.parse(inflateRawSync(value).toString("utf8")) as TaskRecord) : (value as TaskRecord | undefined),
};

export const team = {
  toItem: (value: Team) => ({
    ...keys.team(value.teamId),
    team_id: value.teamId,
    name: value.name,
    balance: value.balanceMicro,
    reserved: value.reservedMicro,
    charged: value.chargedMicro,
    credited: value.creditedMicro,
    created_at: value.createdAt,
  }),
  fromItem: (item: Record<string, unknown>): Team => ({
    teamId: item.team_id as string,
    name: item.name as string,
    balanceMicro: Number(item.balance),
    reservedMicro: Number(item.reserved),
    chargedMicro: Number(item.charged),
    creditedMicro: Number(item.credited),
    createdAt: Number(item.created_at),
    ...(item.monthly_budget !== undefined ? { monthlyBudgetMicro: Number(item.monthly_budget) } : {}),
    ...(item.suspended === true ? { suspended: true } : {}),
  }),
};

export const ledgerLine = {
  /** Stored amounts are positive for charges, negative for refunds, positive for credits (as written since launch). */
  toItem: (teamId: string, entry: LedgerEntry) => ({
    ...keys.ledger(teamId, entry.at, entry.kind === "credit" ? `credit#${newOrderedId()}` : `${entry.taskId}#${entry.kind === "charge" ? "ended" : "refund"}`),
    kind: entry.kind,
    at: entry.at,
    amount_micro: entry.kind === "credit" ? entry.amountMicro : -entry.amountMicro,
    ...(entry.taskId ? { task_id: entry.taskId } : {}),
    ...(entry.providerId ? { provider: entry.providerId } : {}),
    ...(entry.taskType ? { task_type: entry.taskType } : {}),
  }),
  fromItem: (item: Record<string, unknown>): LedgerEntry => {
    const kind = item.kind as LedgerEntry["kind"];
    const stored = Number(item.amount_micro);
    return {
      at: item.at !== undefined ? Number(item.at) : Date.parse(String(item.sk).split("#")[1] ?? ""),
      kind,
      amountMicro: kind === "credit" ? stored : -stored,
      ...(item.task_id ? { taskId: item.task_id as string } : {}),
      ...(item.task_type ? { taskType: item.task_type as LedgerEntry["taskType"] } : {}),
      ...(item.provider ? { providerId: item.provider as string } : {}),
    };
  },
};

export const usageRollup = {
  fromItem: (item: Record<string, unknown>): UsageRollup => ({
    teamId: item.team_id as string,
    day: item.day as string,
    type: item.task_type as TaskType,
    providerId: item.provider as string,
    tasks: Number(item.tasks ?? 0),
    completed: Number(item.completed ?? 0),
    failed: Number(item.failed ?? 0),
    chargedMicro: Number(item.credits_micro ?? 0),
    solveSecondsTotal: Number(item.solve_ms ?? 0) / 1000,
    solveHistogram: Array.from({ length: SOLVE_TIME_BUCKETS }, (_, i) => Number(item[`${SOLVE_HISTOGRAM_ATTRIBUTE}${i}`] ?? 0)),
  }),
};
