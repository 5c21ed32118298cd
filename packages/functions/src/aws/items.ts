/**
 * Item keys and the reads and write fragments several stores share (see table-definition.ts).
 */
import { GetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { solveTimeBucket, type MoneyMove, type TaskStatus, type UsageEvent } from "@solver-router/core";
import type { TransactItem } from "./transact.ts";

/** Usage rollup attributes solve_h0, solve_h1, …: completed tasks per solve-time bucket. */
export const SOLVE_HISTOGRAM_ATTRIBUTE = "solve_h";

export const keys = {
  team: (teamId: string) => ({ pk: `TEAM#${teamId}`, sk: "TEAM" }),
  teamKey: (teamId: string, prefix: string, hash: string) => ({ pk: `TEAM#${teamId}`, sk: `KEY#${prefix}#${hash}` }),
  apiKey: (hash: string) => ({ pk: `APIKEY#${hash}`, sk: "APIKEY" }),
  task: (taskId: string) => ({ pk: `TASK#${taskId}`, sk: "TASK" }),
  payload: (taskId: string, index: number) => ({ pk: `TASK#${taskId}`, sk: `PAYLOAD#${String(index).padStart(3, "0")}` }),
  idempotency: (teamId: string, key: string) => ({ pk: `IDEM#${teamId}#${key}`, sk: "IDEM" }),
  /** `what` tells lines of the same instant apart: `<task_id>#charge`, `credit#<ulid>`… */
  ledger: (teamId: string, atMs: number, what: string) => ({ pk: `TEAM#${teamId}`, sk: `LEDGER#${new Date(atMs).toISOString()}#${what}` }),
  usage: (teamId: string, day: string, type: string, providerId: string) => ({ pk: `USAGE#${teamId}`, sk: `${day}#${type}#${providerId}` }),
  provider: (providerId: string) => ({ pk: "PROVIDERS", sk: providerId }),
  budgetMonth: (teamId: string, month: string) => ({ pk: `TEAM#${teamId}`, sk: `BUDGET#${month}` }),
  callbackSecret: (teamId: string) => ({ pk: `TEAM#${teamId}`, sk: "CALLBACKSECRET" }),
  teamTasks: (teamId: string) => `TEAMTASKS#${teamId}`,
  teamTasksByStatus: (teamId: string, status: TaskStatus) => `TEAMTASKS#${teamId}#${status}`,
  dueSortKey: (dueAtMs: number, taskId: string) => `${String(Math.max(0, Math.floor(dueAtMs))).padStart(15, "0")}#${taskId}`,
};

/** The team item's update for a money move; undefined when nothing moves. */
export function teamMoneyUpdate(table: string, teamId: string, money: MoneyMove) {
  const reserve = money.reserveMicro ?? 0;
  const charge = money.chargeMicro ?? 0;
  const release = money.releaseMicro ?? 0;
  const refund = money.refundMicro ?? 0;
  if (reserve === 0 && charge === 0 && release === 0 && refund === 0) return undefined;
  return {
    TableName: table,
    Key: keys.team(teamId),
    UpdateExpression: "SET balance = balance + :balanceDelta, reserved = reserved + :reservedDelta, charged = charged + :chargedDelta",
    ConditionExpression: reserve > 0 ? "attribute_exists(pk) AND balance >= :reserve" : "attribute_exists(pk)",
    ExpressionAttributeValues: {
      ":balanceDelta": release + refund - reserve,
      ":reservedDelta": reserve - charge - release,
      ":chargedDelta": charge - refund,
      ...(reserve > 0 ? { ":reserve": reserve } : {}),
    },
  };
}

/** What a team's tasks created in `month` hold or were charged (the budget's counter). */
export async function readMonthUsed(db: DynamoDBDocumentClient, table: string, teamId: string, month: string): Promise<number> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: keys.budgetMonth(teamId, month), ConsistentRead: true }));
  return Number(Item?.used ?? 0);
}

/**
 * The month counter's update for a money move: what the team's tasks of that month hold or
 * were charged (reservations in, releases out). Undefined when nothing changes.
 */
export function budgetMonthUpdate(table: string, teamId: string, month: string, money: MoneyMove) {
  const delta = (money.reserveMicro ?? 0) - (money.releaseMicro ?? 0) - (money.refundMicro ?? 0);
  if (delta === 0) return undefined;
  // A reservation under a budget is conditional on it, like a submit's (dynamo-task-store.ts create).
  const capped = money.budget !== undefined && delta > 0;
  return {
    TableName: table,
    Key: keys.budgetMonth(teamId, month),
    UpdateExpression: "ADD used :delta",
    ExpressionAttributeValues: { ":delta": delta, ...(capped ? { ":room": money.budget!.limitMicro - delta } : {}) },
    ...(capped ? { ConditionExpression: "attribute_not_exists(used) OR used <= :room" } : {}),
  };
}

/**
 * The usage rollup increment and the ledger line: an ended task counts once with what it was
 * charged; a refund takes its amount back out of the same row and adds a refund line.
 */
export function usageWrites(table: string, usage: UsageEvent, taskId: string, atMs: number): TransactItem[] {
  const counted = usage.kind === "ended";
  const solved = counted && usage.completed;
  const rollup: TransactItem = {
    Update: {
      TableName: table,
      Key: keys.usage(usage.teamId, usage.day, usage.type, usage.providerId),
      // gsi1 ("USAGE", day#team#type#provider) lets the admin report read every team's days.
      UpdateExpression:
        "SET team_id = :team, #day = :day, task_type = :type, provider = :provider, gsi1pk = :usage, gsi1sk = :daySort " +
        "ADD tasks :tasks, completed :completed, failed :failed, credits_micro :charged, solve_ms :solveMs" +
        (solved ? `, ${SOLVE_HISTOGRAM_ATTRIBUTE}${solveTimeBucket(usage.solveSeconds)} :tasks` : ""),
      ExpressionAttributeNames: { "#day": "day" },
      ExpressionAttributeValues: {
        ":team": usage.teamId,
        ":day": usage.day,
        ":type": usage.type,
        ":provider": usage.providerId,
        ":usage": "USAGE",
        ":daySort": `${usage.day}#${usage.teamId}#${usage.type}#${usage.providerId}`,
        ":tasks": counted ? 1 : 0,
        ":completed": counted && usage.completed ? 1 : 0,
        ":failed": counted && !usage.completed ? 1 : 0,
        ":charged": usage.chargedMicro,
        ":solveMs": Math.round(usage.solveSeconds * 1000),
      },
    },
  };
  if (usage.chargedMicro === 0) return [rollup];
  const ledger: TransactItem = {
    Put: {
      TableName: table,
      Item: {
        ...keys.ledger(usage.teamId, atMs, `${taskId}#${usage.kind}`),
        kind: counted ? "charge" : "refund",
        at: atMs,
        task_id: taskId,
        amount_micro: usage.chargedMicro,
        provider: usage.providerId,
        task_type: usage.type,
      },
      ConditionExpression: "attribute_not_exists(pk)",
    },
  };
  return [rollup, ledger];
}
