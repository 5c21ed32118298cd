/**
 * The table's stream → the books. Every write to a task item arrives here (new and old image);
 * core's taskEffects says what it means — usage rollup increments, ledger lines, the per-status
 * task counts, and the charge that leaves a team's reservation when its task ends — and this
 * applies it, batched: one rollup update per (team, day, type, provider) and one team update per
 * team per batch. (Reservations, releases and refunds move with the task's own write.)
 *
 * Exactly once: records of one stream shard come in order, and each transaction that applies
 * a run of them also moves the shard's checkpoint (STREAM#<shard>) past them, on the condition
 * that it has not passed them yet. A replayed batch (Lambda retries a failed one; the local
 * stack re-reads its shards after a restart) finds the checkpoint ahead and applies nothing
 * twice. Ledger lines are written first, idempotently (their keys follow from the task).
 * Lambda tells a batch's shard with a tumbling window (infra/aggregator.ts).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import {
  bucketStartOf,
  OBSERVATION_WINDOW,
  solveTimeBucket,
  taskEffects,
  TASK_STATUSES,
  type Logger,
  type TaskRecord,
  type TaskType,
  type UsageEvent,
} from "@solver-router/core";
import { OBSERVATION_SHARDS, observationUpdate } from "./dynamo-provider-state-store.ts";
import { keys, ledgerLine, SOLVE_HISTOGRAM_ATTRIBUTE, shardOf, taskCountAttribute, taskRecord } from "./entities.ts";
import { conditionFailed, transactWrite, type TransactItem } from "./transact.ts";

/** The part of a stream record this reads (Lambda's DynamoDBStreamEvent and GetRecords agree on it). */
export interface TaskStreamRecord {
  eventName?: string;
  dynamodb?: {
    SequenceNumber?: string;
    Keys?: Record<string, AttributeValue>;
    NewImage?: Record<string, AttributeValue>;
    OldImage?: Record<string, AttributeValue>;
  };
}

export interface TaskStreamBatch {
  Records: TaskStreamRecord[];
  /** The stream shard the records come from (present in tumbling-window events and locally). */
  shardId?: string;
}

/** Updates per transaction, leaving room for the checkpoint (DynamoDB allows 100 items). */
const UPDATES_PER_TRANSACTION = 99;

interface Deltas {
  usage: Map<string, { event: UsageEvent; tasks: number; completed: number; failed: number; charged: number; solveMs: number; histogram: Map<number, number> }>;
  teams: Map<string, { settled: number; counts: Map<string, number> }>;
  /** Solved attempts per observation bucket and provider (one item), then per type. */
  solved: Map<string, { bucketStart: number; providerId: string; byType: Map<TaskType, { count: number; solveMs: number }> }>;
}

export function createTaskEffectsAggregator(db: DynamoDBDocumentClient, table: string, logger: Logger) {
  return async (batch: TaskStreamBatch): Promise<void> => {
    const records = batch.Records.filter((r) => String(r.dynamodb?.Keys?.pk?.S ?? "").startsWith("TASKS#"));
    if (records.length === 0) return;
    if (!batch.shardId) throw new Error("stream batch without a shard id: the aggregator needs the tumbling window's shardId");
    const effects = records.map((record) => ({
      sequence: pad(record.dynamodb?.SequenceNumber ?? "0"),
      effects: taskEffects(image(record.dynamodb?.OldImage), image(record.dynamodb?.NewImage)),
    }));

    const lines = effects.flatMap(({ effects: e }) => e.ledger.map((line) => ledgerLine.toItem(teamOf(line.taskId), line)));
    for (let i = 0; i < lines.length; i += 25) {
      await db.send(new BatchWriteCommand({ RequestItems: { [table]: lines.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }

    // Runs of records whose merged updates fit one transaction, each moving the checkpoint past it.
    let run: typeof effects = [];
    let deltas = emptyDeltas();
    const flush = async () => {
      if (run.length === 0) return;
      const observationShard = shardOf(batch.shardId!, OBSERVATION_SHARDS);
      const updates = [
        ...usageUpdates(table, deltas),
        ...teamUpdates(table, deltas),
        ...[...deltas.solved.values()].map((row) => ({
          Update: observationUpdate(
            table,
            observationShard,
            row.bucketStart,
            OBSERVATION_WINDOW,
            row.providerId,
            [...row.byType.entries()].map(([type, f]) => [type, { attempts: f.count, solved: f.count, solve_ms: f.solveMs }] as const),
          ),
        })),
      ];
      const checkpoint: TransactItem = {
        Update: {
          TableName: table,
          Key: keys.streamCheckpoint(batch.shardId!),
          UpdateExpression: "SET seq = :last",
          ConditionExpression: "attribute_not_exists(seq) OR seq < :first",
          ExpressionAttributeValues: { ":first": run[0]!.sequence, ":last": run[run.length - 1]!.sequence },
        },
      };
      const reasons = await transactWrite(db, [...updates, checkpoint]);
      if (reasons && conditionFailed(reasons[reasons.length - 1])) {
        logger.info("stream records already applied", { shard: batch.shardId, first: run[0]!.sequence });
      } else if (reasons) {
        throw new Error(`stream aggregation cancelled: ${reasons.map((r) => r.Code ?? "None").join(", ")}`);
      }
      run = [];
      deltas = emptyDeltas();
    };
    for (const entry of effects) {
      const own = mergeInto(emptyDeltas(), entry.effects);
      if (sizeOf(deltas) + newItems(deltas, own) > UPDATES_PER_TRANSACTION) await flush();
      mergeInto(deltas, entry.effects);
      run.push(entry);
    }
    await flush();
  };
}

const image = (value: Record<string, AttributeValue> | undefined): TaskRecord | undefined =>
  value ? taskRecord.fromAttribute((unmarshall(value) as { task?: unknown }).task) : undefined;

/** Task ids carry their team (entities.ts). */
const teamOf = (taskId: string) => taskId.slice(27);

/** Stream sequence numbers are decimal strings of varying length: padded, they compare as strings. */
const pad = (sequence: string) => sequence.padStart(40, "0");

const emptyDeltas = (): Deltas => ({ usage: new Map(), teams: new Map(), solved: new Map() });

/** Items one transaction would update for these deltas. */
const sizeOf = (deltas: Deltas) => deltas.usage.size + deltas.teams.size + deltas.solved.size;

/** Items `more` would add to `deltas` (keys it does not have yet). */
const newItems = (deltas: Deltas, more: Deltas) =>
  [...more.usage.keys()].filter((k) => !deltas.usage.has(k)).length +
  [...more.teams.keys()].filter((k) => !deltas.teams.has(k)).length +
  [...more.solved.keys()].filter((k) => !deltas.solved.has(k)).length;

/** Adds one record's effects to the run's deltas (merged per item the transaction updates). */
function mergeInto(deltas: Deltas, effects: ReturnType<typeof taskEffects>): Deltas {
  const teamOfDeltas = (teamId: string) => {
    let team = deltas.teams.get(teamId);
    if (!team) deltas.teams.set(teamId, (team = { settled: 0, counts: new Map() }));
    return team;
  };
  if (effects.solved) {
    const bucketStart = bucketStartOf(effects.solved.at, OBSERVATION_WINDOW);
    const key = `${bucketStart}#${effects.solved.providerId}`;
    const row = deltas.solved.get(key) ?? { bucketStart, providerId: effects.solved.providerId, byType: new Map() };
    const figures = row.byType.get(effects.solved.type) ?? { count: 0, solveMs: 0 };
    figures.count += 1;
    figures.solveMs += Math.round(effects.solved.solveSeconds * 1000);
    row.byType.set(effects.solved.type, figures);
    deltas.solved.set(key, row);
  }
  for (const event of effects.usage) {
    const key = `${event.teamId}#${event.day}#${event.type}#${event.providerId}`;
    let row = deltas.usage.get(key);
    if (!row) deltas.usage.set(key, (row = { event, tasks: 0, completed: 0, failed: 0, charged: 0, solveMs: 0, histogram: new Map() }));
    const ended = event.kind === "ended";
    row.tasks += ended ? 1 : 0;
    row.completed += ended && event.completed ? 1 : 0;
    row.failed += ended && !event.completed ? 1 : 0;
    row.charged += event.chargedMicro;
    row.solveMs += Math.round(event.solveSeconds * 1000);
    if (ended && event.completed) {
      const bucket = solveTimeBucket(event.solveSeconds);
      row.histogram.set(bucket, (row.histogram.get(bucket) ?? 0) + 1);
    }
  }
  const counted = Object.entries(effects.statusCounts);
  if (effects.teamId && (counted.length > 0 || effects.settledChargeMicro !== 0)) {
    const team = teamOfDeltas(effects.teamId);
    team.settled += effects.settledChargeMicro;
    for (const [status, n] of counted) team.counts.set(status, (team.counts.get(status) ?? 0) + (n ?? 0));
  }
  return deltas;
}

function usageUpdates(table: string, deltas: Deltas): TransactItem[] {
  return [...deltas.usage.values()].map((row) => {
    const { event } = row;
    const histogram = [...row.histogram.entries()];
    return {
      Update: {
        TableName: table,
        Key: keys.usage(event.teamId, event.day, event.type, event.providerId),
        UpdateExpression:
          "SET team_id = :team, #day = :day, task_type = :type, provider = :provider, gsi1pk = :dayPartition, gsi1sk = :sort " +
          "ADD tasks :tasks, completed :completed, failed :failed, credits_micro :charged, solve_ms :solveMs" +
          histogram.map(([bucket], i) => `, ${SOLVE_HISTOGRAM_ATTRIBUTE}${bucket} :h${i}`).join(""),
        ExpressionAttributeNames: { "#day": "day" },
        ExpressionAttributeValues: {
          ":team": event.teamId,
          ":day": event.day,
          ":type": event.type,
          ":provider": event.providerId,
          ":dayPartition": keys.usageDay(event.day),
          ":sort": `${event.teamId}#${event.type}#${event.providerId}`,
          ":tasks": row.tasks,
          ":completed": row.completed,
          ":failed": row.failed,
          ":charged": row.charged,
          ":solveMs": row.solveMs,
          ...Object.fromEntries(histogram.map(([, n], i) => [`:h${i}`, n])),
        },
      },
    };
  });
}

function teamUpdates(table: string, deltas: Deltas): TransactItem[] {
  return [...deltas.teams.entries()].flatMap(([teamId, team]) => {
    const counts = TASK_STATUSES.map((status) => [status, team.counts.get(status) ?? 0] as const).filter(([, n]) => n !== 0);
    if (counts.length === 0 && team.settled === 0) return [];
    return [
      {
        Update: {
          TableName: table,
          Key: keys.team(teamId),
          // The charge of an ended task leaves the reservation for good (balance + reserved + charged stays the same).
          UpdateExpression:
            "SET reserved = reserved - :settled, charged = charged + :settled" +
            (counts.length ? " ADD " + counts.map((_, i) => `#c${i} :c${i}`).join(", ") : ""),
          ConditionExpression: "attribute_exists(pk)",
          ...(counts.length ? { ExpressionAttributeNames: Object.fromEntries(counts.map(([status], i) => [`#c${i}`, taskCountAttribute(status)])) } : {}),
          ExpressionAttributeValues: { ":settled": team.settled, ...Object.fromEntries(counts.map(([, n], i) => [`:c${i}`, n])) },
        },
      },
    ];
  });
}
