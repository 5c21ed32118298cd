/**
 * TaskStore on DynamoDB (table-definition.ts has the item layout). Every change to a task is
 * one TransactWriteItems: the task item conditional on its version, plus the team's money and
 * the usage rollup when they move, so a task and its credits can never disagree.
 */
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import {
  isFinished,
  monthOf,
  type BudgetLimit,
  type CreateTaskResult,
  type MoneyMove,
  type TaskRecord,
  type TaskStatus,
  type TaskStore,
  type TransitionResult,
  type UnifiedTask,
  type UsageEvent,
} from "@solver-router/core";
import { TTL_ATTRIBUTE } from "./table-definition.ts";
import { budgetMonthUpdate, keys, readMonthUsed, teamMoneyUpdate, usageWrites } from "./items.ts";
import { conditionFailed as failed, transactWrite, type TransactItem } from "./transact.ts";

/** Kept below DynamoDB's 400 KB item limit with room for the keys. */
const PAYLOAD_CHUNK_BYTES = 350_000;
/** Ended tasks (and their Idempotency-Keys) stay readable this long, then TTL removes them. */
const RETENTION_SECONDS = 30 * 24 * 3600;
const IDEMPOTENCY_SECONDS = 24 * 3600;


export class DynamoTaskStore implements TaskStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(task: TaskRecord, payload: UnifiedTask, budget?: BudgetLimit): Promise<CreateTaskResult> {
    const chunks = chunk(Buffer.from(JSON.stringify(payload), "utf8"));
    const month = budget?.month ?? monthOf(task.createdAt);
    if (budget && task.reservedMicro > budget.limitMicro) {
      return { kind: "over_budget", needMicro: task.reservedMicro, usedMicro: await readMonthUsed(this.db, this.table, task.teamId, month), limitMicro: budget.limitMicro };
    }
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: keys.team(task.teamId),
          UpdateExpression: "SET balance = balance - :price, reserved = reserved + :price",
          ConditionExpression: "attribute_exists(pk) AND balance >= :price",
          ExpressionAttributeValues: { ":price": task.reservedMicro },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      },
      { Put: { TableName: this.table, Item: this.taskItem(task), ConditionExpression: "attribute_not_exists(pk)" } },
      {
        // The month's counter, checked against the budget in the same transaction: parallel
        // submits cannot overshoot it.
        Update: {
          TableName: this.table,
          Key: keys.budgetMonth(task.teamId, month),
          UpdateExpression: "ADD used :price",
          ExpressionAttributeValues: { ":price": task.reservedMicro, ...(budget ? { ":room": budget.limitMicro - task.reservedMicro } : {}) },
          ...(budget ? { ConditionExpression: "attribute_not_exists(used) OR used <= :room", ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const } : {}),
        },
      },
      ...chunks.map((bytes, index) => ({
        Put: { TableName: this.table, Item: { ...keys.payload(task.taskId, index), data: bytes } },
      })),
    ];
    if (task.idempotencyKey) items.push(this.idempotencyPut(task));
    return this.createWith(items, task, budget);
  }

  /** Runs the create transaction and reads its cancellation reasons (items as built by create). */
  private async createWith(items: TransactItem[], task: TaskRecord, budget: BudgetLimit | undefined): Promise<CreateTaskResult> {
    const reasons = await transactWrite(this.db, items);
    if (!reasons) return { kind: "created", task };
    {
      if (task.idempotencyKey && failed(reasons[items.length - 1])) {
        const { taskId, task: existing } = await this.taskForIdempotencyKey(task.teamId, task.idempotencyKey);
        if (existing) return { kind: "duplicate", task: existing };
        if (taskId) {
          // The key's task was deleted: the key is free again, for this new task.
          return this.createWith([...items.slice(0, -1), this.idempotencyPut(task, taskId)], task, budget);
        }
      }
      if (failed(reasons[0])) {
        const balance = reasons[0]?.Item?.balance?.N;
        return balance === undefined
          ? { kind: "no_team" }
          : { kind: "insufficient_credits", needMicro: task.reservedMicro, haveMicro: Number(balance) };
      }
      if (budget && failed(reasons[2])) {
        return { kind: "over_budget", needMicro: task.reservedMicro, usedMicro: Number(reasons[2]?.Item?.used?.N ?? 0), limitMicro: budget.limitMicro };
      }
      throw new Error(`create task transaction cancelled: ${reasons.map((r) => r.Code ?? "None").join(", ")}`);
    }
  }

  /** The Idempotency-Key item: new, or replacing one whose task (`staleTaskId`) was deleted. */
  private idempotencyPut(task: TaskRecord, staleTaskId?: string): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: {
          ...keys.idempotency(task.teamId, task.idempotencyKey!),
          task_id: task.taskId,
          [TTL_ATTRIBUTE]: Math.floor(task.createdAt / 1000) + IDEMPOTENCY_SECONDS,
        },
        ConditionExpression: staleTaskId ? "task_id = :stale" : "attribute_not_exists(pk)",
        ...(staleTaskId ? { ExpressionAttributeValues: { ":stale": staleTaskId } } : {}),
      },
    };
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.task(taskId), ConsistentRead: true }));
    return Item?.task as TaskRecord | undefined;
  }

  async getPayload(taskId: string): Promise<UnifiedTask | undefined> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :payload)",
      ExpressionAttributeValues: { ":pk": keys.task(taskId).pk, ":payload": "PAYLOAD#" },
      ConsistentRead: true,
    });
    if (items.length === 0) return undefined;
    const bytes = Buffer.concat(items.map((item) => Buffer.from(item.data as Uint8Array)));
    return JSON.parse(bytes.toString("utf8")) as UnifiedTask;
  }

  async list(teamId: string, query: { limit: number; offset: number; status?: TaskStatus }) {
    const index = query.status
      ? { IndexName: "gsi2", KeyConditionExpression: "gsi2pk = :pk", ExpressionAttributeValues: { ":pk": keys.teamTasksByStatus(teamId, query.status) } }
      : { IndexName: "gsi1", KeyConditionExpression: "gsi1pk = :pk", ExpressionAttributeValues: { ":pk": keys.teamTasks(teamId) } };
    let total = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ TableName: this.table, ...index, Select: "COUNT", ExclusiveStartKey: startKey }));
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const wanted = query.offset + query.limit;
    const items = await this.queryAll({ TableName: this.table, ...index, ScanIndexForward: false }, wanted);
    return { total, tasks: items.slice(query.offset, wanted).map((item) => item.task as TaskRecord) };
  }

  async delete(task: TaskRecord): Promise<boolean> {
    const payloadKeys = (
      await this.queryAll({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :payload)",
        ExpressionAttributeValues: { ":pk": keys.task(task.taskId).pk, ":payload": "PAYLOAD#" },
        ProjectionExpression: "pk, sk",
      })
    ).map((item) => ({ pk: item.pk, sk: item.sk }));
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: keys.task(task.taskId),
          // Only a finished task goes: a worker can never be mid-way through it.
          ConditionExpression: "#status IN (:completed, :failed)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":completed": "completed", ":failed": "failed" },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
    for (let i = 0; i < payloadKeys.length; i += 25) {
      await this.db.send(
        new BatchWriteCommand({
          RequestItems: { [this.table]: payloadKeys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })) },
        }),
      );
    }
    return true;
  }

  async transition(prev: TaskRecord, next: TaskRecord, money?: MoneyMove, usage?: UsageEvent): Promise<TransitionResult> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table,
          Item: this.taskItem(next),
          ConditionExpression: "version = :version",
          ExpressionAttributeValues: { ":version": prev.version },
        },
      },
    ];
    const moneyUpdate = money && teamMoneyUpdate(this.table, next.teamId, money);
    if (moneyUpdate) items.push({ Update: moneyUpdate });
    const monthUpdate = money && budgetMonthUpdate(this.table, next.teamId, monthOf(next.createdAt), money);
    if (monthUpdate) items.push({ Update: monthUpdate });
    if (usage) items.push(...usageWrites(this.table, usage, next.taskId, next.completedAt ?? next.updatedAt));
    const reasons = await transactWrite(this.db, items);
    if (!reasons) return "ok";
    if (failed(reasons[0])) return "conflict";
    if (moneyUpdate && failed(reasons[1])) return "insufficient_credits";
    if (monthUpdate && failed(reasons[moneyUpdate ? 2 : 1])) return "over_budget";
    throw new Error(`task transition cancelled: ${reasons.map((r) => r.Code ?? "None").join(", ")}`);
  }

  async listOverdue(beforeMs: number, limit: number): Promise<TaskRecord[]> {
    const items = await this.queryAll(
      {
        TableName: this.table,
        IndexName: "open",
        KeyConditionExpression: "open_pk = :open AND open_sk < :before",
        ExpressionAttributeValues: { ":open": "OPEN", ":before": keys.dueSortKey(beforeMs, "") },
      },
      limit,
    );
    return items.map((item) => item.task as TaskRecord);
  }

  private taskItem(task: TaskRecord): Record<string, unknown> {
    const open = !isFinished(task.status);
    return {
      ...keys.task(task.taskId),
      gsi1pk: keys.teamTasks(task.teamId),
      gsi1sk: task.taskId,
      gsi2pk: keys.teamTasksByStatus(task.teamId, task.status),
      gsi2sk: task.taskId,
      ...(open
        ? { open_pk: "OPEN", open_sk: keys.dueSortKey(task.dueAt, task.taskId) }
        : { [TTL_ATTRIBUTE]: Math.floor((task.completedAt ?? task.updatedAt) / 1000) + RETENTION_SECONDS }),
      team_id: task.teamId,
      status: task.status,
      version: task.version,
      task,
    };
  }

  private async taskForIdempotencyKey(teamId: string, key: string): Promise<{ taskId?: string; task?: TaskRecord }> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.idempotency(teamId, key), ConsistentRead: true }),
    );
    if (!Item) return {};
    const taskId = Item.task_id as string;
    const task = await this.get(taskId);
    return task ? { taskId, task } : { taskId };
  }

  private async queryAll(input: QueryCommandInput, max = Infinity): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < max);
    return items.slice(0, max === Infinity ? undefined : max);
  }
}

function chunk(bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += PAYLOAD_CHUNK_BYTES) chunks.push(bytes.subarray(i, i + PAYLOAD_CHUNK_BYTES));
  return chunks;
}
