/**
 * TaskStore on DynamoDB (entities.ts has the item layout; docs/architecture.md "The table" the
 * costs). Writes are as small as the change:
 *  - create: one transaction — the team's reservation (and the month's budget when it has one),
 *    the task item (its request inline when small) and, for a large request, its chunks;
 *  - a step that moves no money: one conditional UpdateItem of the task item;
 *  - a step that gives money back or takes more (a release, a refund, a failover's extra
 *    reservation): one transaction of the task and the team (and the month's counter).
 * A task that ends at its reserved price is a single-item write too: its charge leaves the
 * reservation through the table's stream (task-effects-aggregator.ts), with the usage rollups,
 * the ledger lines and the task counts, batched; the balance is exact at once either way. When a
 * task ends its request (images, proxy credentials) is deleted.
 */
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import {
  badRequest,
  isFinished,
  monthOf,
  type BudgetLimit,
  type CreateTaskResult,
  type MoneyMove,
  type TaskListQuery,
  type TaskRecord,
  type TaskStore,
  type TransitionResult,
  type UnifiedTask,
} from "@solver-router/core";
import { idPrefixAt, keys, TEAM_DIRECTORY_SHARDS, taskCountAttribute, taskRecord, teamOfTaskId } from "./entities.ts";
import { TTL_ATTRIBUTE } from "./table-definition.ts";
import { LRUCache } from "lru-cache";
import { Coalescer } from "./coalescer.ts";
import { conditionFailed as failed, isConditionFailure, queryAll, transactWrite, type TransactItem } from "./transact.ts";

/** DynamoDB's limits on one transaction: 100 items, 4 MB (a batch of creates stays well within). */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_BATCH_PAYLOAD_BYTES = 3 * 1024 * 1024;

/** A create waiting to be written (DynamoTaskStore.creates). */
interface PendingCreate {
  task: TaskRecord;
  budget: BudgetLimit | undefined;
  /** The task item, its request's chunks, its Idempotency-Key item. */
  taskItems: TransactItem[];
  /** The request's size when chunked (0 inline). */
  bytes: number;
}

/** The task item's count of its request's chunks (absent when the request is inline). */
const PAYLOAD_CHUNKS = "payload_chunks";

/** A request up to this size travels inside the task item (one item, one write). */
const INLINE_PAYLOAD_BYTES = 700;
/** Kept below DynamoDB's 400 KB item limit with room for the keys. */
const PAYLOAD_CHUNK_BYTES = 350_000;
/** Ended tasks (and their Idempotency-Keys) stay readable this long, then TTL removes them. */
const RETENTION_SECONDS = 30 * 24 * 3600;
const IDEMPOTENCY_SECONDS = 24 * 3600;
/** A request outlives its task by at most this (TTL), even if the delete at the end was lost. */
export const PAYLOAD_TTL_SECONDS = Number(process.env.ROUTER_PAYLOAD_TTL_SECONDS ?? 24 * 3600);
/** The sweeper looks at tasks created this recently: every task ends (its deadline) well within it. */
const OPEN_TASK_HORIZON_MS = 20 * 60 * 1000;

export class DynamoTaskStore implements TaskStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** Resolves when the task counts hold every write made so far (runtime.ts booksCaughtUp). */
    private readonly booksCaughtUp: () => Promise<void> = async () => {},
  ) {}

  async create(task: TaskRecord, payload: UnifiedTask, budget?: BudgetLimit): Promise<CreateTaskResult> {
    if (budget && task.reservedMicro > budget.limitMicro) {
      return { kind: "over_budget", needMicro: task.reservedMicro, usedMicro: await this.monthUsed(task.teamId, budget.month), limitMicro: budget.limitMicro };
    }
    const bytes = Buffer.from(JSON.stringify(payload), "utf8");
    const inline = bytes.length <= INLINE_PAYLOAD_BYTES;
    const chunkCount = inline ? 0 : Math.ceil(bytes.length / PAYLOAD_CHUNK_BYTES);
    const taskItems: TransactItem[] = [
      {
        Put: {
          TableName: this.table,
          Item: { ...this.taskItem(task), ...(inline ? { payload } : { [PAYLOAD_CHUNKS]: chunkCount }) },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    ];
    const expiresAt = Math.floor(task.createdAt / 1000) + PAYLOAD_TTL_SECONDS;
    for (let n = 0; n < chunkCount; n++) {
      const data = bytes.subarray(n * PAYLOAD_CHUNK_BYTES, (n + 1) * PAYLOAD_CHUNK_BYTES);
      taskItems.push({ Put: { TableName: this.table, Item: { ...keys.payload(task.taskId, n), data, [TTL_ATTRIBUTE]: expiresAt } } });
    }
    if (task.idempotencyKey) taskItems.push(this.idempotencyPut(task));
    return this.creates.add({ task, budget, taskItems, bytes: inline ? 0 : bytes.length });
  }

  /**
   * Creates that arrive together are written in one transaction (coalescer.ts): one reservation
   * per team for all its new tasks (and one month counter), every task's own items. Should a
   * condition fail, nothing was written: the failing team's creates run alone, the rest together.
   */
  private readonly creates = new Coalescer<PendingCreate, CreateTaskResult>({
    maxInFlight: 2,
    fits: (batch, next) => {
      const all = [...batch, next];
      // One reservation per team, and one month counter per budgeted team: its tasks must agree on the budget.
      const budgetOfTeam = new Map<string, string>();
      for (const c of all) {
        const budget = c.budget ? `${c.budget.month}/${c.budget.limitMicro}` : "";
        if ((budgetOfTeam.get(c.task.teamId) ?? budget) !== budget) return false;
        budgetOfTeam.set(c.task.teamId, budget);
      }
      const counters = [...budgetOfTeam.values()].reduce((n, budget) => n + (budget ? 2 : 1), 0);
      const idempotencyKeys = all.flatMap((c) => (c.task.idempotencyKey ? [`${c.task.teamId}/${c.task.idempotencyKey}`] : []));
      return (
        counters + all.reduce((n, c) => n + c.taskItems.length, 0) <= MAX_TRANSACTION_ITEMS &&
        new Set(idempotencyKeys).size === idempotencyKeys.length &&
        all.reduce((n, c) => n + c.bytes, 0) <= MAX_BATCH_PAYLOAD_BYTES
      );
    },
    run: (batch) => this.createBatch(batch),
  });

  private async createBatch(batch: readonly PendingCreate[]): Promise<PromiseSettledResult<CreateTaskResult>[]> {
    const alone = (c: PendingCreate) => this.createWith(this.createItems(c.task, c.taskItems, c.budget && { ...c.budget, priceMicro: c.task.reservedMicro }), c.task, c.budget);
    if (batch.length === 1) return Promise.allSettled([alone(batch[0]!)]);
    const byTeam = new Map<string, { count: number; priceMicro: number; budget?: BudgetLimit }>();
    for (const c of batch) {
      const team = byTeam.get(c.task.teamId) ?? { count: 0, priceMicro: 0, ...(c.budget ? { budget: c.budget } : {}) };
      team.count += 1;
      team.priceMicro += c.task.reservedMicro;
      byTeam.set(c.task.teamId, team);
    }
    const items: TransactItem[] = [];
    const teamOfItem: string[] = [];
    const add = (teamId: string, ...added: TransactItem[]) => {
      items.push(...added);
      teamOfItem.push(...added.map(() => teamId));
    };
    for (const [teamId, team] of byTeam) {
      add(teamId, this.reservation(teamId, team.priceMicro, team.count));
      if (team.budget) add(teamId, this.budgetCount(teamId, { ...team.budget, priceMicro: team.priceMicro }));
    }
    for (const c of batch) add(c.task.teamId, ...c.taskItems);
    const reasons = await transactWrite(this.db, items);
    if (!reasons) return batch.map((c) => ({ status: "fulfilled", value: { kind: "created", task: c.task } }));
    // Nothing was written. The creates of the teams whose items failed (credits, budget, an
    // Idempotency-Key seen before) run alone, to be answered exactly; the others try again together.
    const failedTeams = new Set(reasons.flatMap((reason, i) => (reason.Code && reason.Code !== "None" ? [teamOfItem[i]!] : [])));
    const together = failedTeams.size > 0 ? batch.filter((c) => !failedTeams.has(c.task.teamId)) : [];
    const results = new Map<PendingCreate, PromiseSettledResult<CreateTaskResult>>();
    const againTogether = together.length > 0 ? await this.createBatch(together) : [];
    together.forEach((c, i) => results.set(c, againTogether[i]!));
    for (const c of batch) if (!results.has(c)) results.set(c, (await Promise.allSettled([alone(c)]))[0]!);
    return batch.map((c) => results.get(c)!);
  }

  /** One create's transaction: the reservation first, the task's items, then its month's count (createWith reads the reasons by position). */
  private createItems(task: TaskRecord, taskItems: TransactItem[], budget?: BudgetLimit & { priceMicro: number }): TransactItem[] {
    const [taskPut, ...rest] = taskItems;
    return [this.reservation(task.teamId, task.reservedMicro, 1), taskPut!, ...(budget ? [this.budgetCount(task.teamId, budget)] : []), ...rest];
  }

  /** The team's reservation for `count` new tasks; they count at once (the list's total), later status moves come from the stream. */
  private reservation(teamId: string, priceMicro: number, count: number): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: keys.team(teamId),
        UpdateExpression: "SET balance = balance - :price, reserved = reserved + :price ADD #pending :count",
        ConditionExpression: "attribute_exists(pk) AND balance >= :price",
        ExpressionAttributeNames: { "#pending": taskCountAttribute("pending") },
        ExpressionAttributeValues: { ":price": priceMicro, ":count": count },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    };
  }

  /** The month's counter, checked against the budget in the same transaction: parallel submits cannot overshoot it. */
  private budgetCount(teamId: string, budget: BudgetLimit & { priceMicro: number }): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: keys.budgetMonth(teamId, budget.month),
        UpdateExpression: "ADD used :price",
        ConditionExpression: "attribute_not_exists(used) OR used <= :room",
        ExpressionAttributeValues: { ":price": budget.priceMicro, ":room": budget.limitMicro - budget.priceMicro },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    };
  }

  /** Runs the create transaction and reads its cancellation reasons (items as built by create). */
  private async createWith(items: TransactItem[], task: TaskRecord, budget: BudgetLimit | undefined): Promise<CreateTaskResult> {
    const reasons = await transactWrite(this.db, items);
    if (!reasons) return { kind: "created", task };
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
      return balance === undefined ? { kind: "no_team" } : { kind: "insufficient_credits", needMicro: task.reservedMicro, haveMicro: Number(balance) };
    }
    if (budget && failed(reasons[2])) {
      return { kind: "over_budget", needMicro: task.reservedMicro, usedMicro: Number(reasons[2]?.Item?.used?.N ?? 0), limitMicro: budget.limitMicro };
    }
    throw new Error(`create task transaction cancelled: ${reasons.map((r) => r.Code ?? "None").join(", ")}`);
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
    if (!teamOfTaskId(taskId)) return undefined;
    // The item is billed whole whatever the projection: its inline request comes along for free,
    // and the submit step that reads the task next asks for it (getPayload) without a second read.
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.task(taskId), ConsistentRead: true, ProjectionExpression: "task, payload" }),
    );
    if (Item?.payload) this.recentPayloads.set(taskId, Item.payload as UnifiedTask);
    return taskRecord.fromAttribute(Item?.task);
  }

  /**
   * Inline requests read with their task a moment ago (a request never changes), each handed out
   * once; forgotten when their task ends here, so an ended task's request (images, proxy
   * credentials) is not kept even in memory.
   */
  private readonly recentPayloads = new LRUCache<string, UnifiedTask>({ max: 1_000, ttl: 10_000 });

  async getPayload(taskId: string): Promise<UnifiedTask | undefined> {
    if (!teamOfTaskId(taskId)) return undefined;
    const recent = this.recentPayloads.get(taskId);
    this.recentPayloads.delete(taskId);
    if (recent) return recent;
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.task(taskId), ConsistentRead: true, ProjectionExpression: "payload" }),
    );
    if (Item?.payload) return Item.payload as UnifiedTask;
    const chunks = await this.payloadChunks(taskId, true);
    if (chunks.length === 0) return undefined;
    const bytes = Buffer.concat(chunks.map((item) => Buffer.from(item.data as Uint8Array)));
    return JSON.parse(bytes.toString("utf8")) as UnifiedTask;
  }

  async list(teamId: string, query: TaskListQuery) {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const wanted = (after ? 0 : query.offset) + query.limit;
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined = after ? { pk: keys.teamTasks(teamId), sk: after } : undefined;
    let more = true;
    while (items.length < wanted && more) {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": keys.teamTasks(teamId), ...(query.status ? { ":status": query.status } : {}) },
          ...(query.status ? { FilterExpression: "#status = :status", ExpressionAttributeNames: { "#status": "status" } } : {}),
          ProjectionExpression: "sk, task",
          ScanIndexForward: false,
          Limit: Math.max(wanted - items.length, 10),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
      more = startKey !== undefined;
    }
    const pageItems = items.slice(after ? 0 : query.offset, wanted);
    const last = pageItems[pageItems.length - 1];
    const hasMore = items.length > wanted || more;
    return {
      total: await this.count(teamId, query.status),
      tasks: pageItems.map((item) => taskRecord.fromAttribute(item.task)!),
      ...(hasMore && last && pageItems.length === query.limit ? { nextCursor: encodeCursor(last.sk as string) } : {}),
    };
  }

  /** The team's task count (of one status), kept on the team item by the stream aggregator. */
  private async count(teamId: string, status: TaskListQuery["status"]): Promise<number> {
    await this.booksCaughtUp();
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.team(teamId) }));
    if (!Item) return 0;
    const of = (s: NonNullable<TaskListQuery["status"]>) => Math.max(0, Number(Item[taskCountAttribute(s)] ?? 0));
    return status ? of(status) : of("pending") + of("processing") + of("completed") + of("failed");
  }

  async delete(task: TaskRecord): Promise<boolean> {
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
      if (isConditionFailure(error)) return false;
      throw error;
    }
    await this.deletePayload(task.taskId);
    return true;
  }

  async transition(prev: TaskRecord, next: TaskRecord, money?: MoneyMove): Promise<TransitionResult> {
    if (isFinished(next.status)) this.recentPayloads.delete(next.taskId);
    const taskUpdate = this.taskUpdate(prev, next);
    const reserve = money?.reserveMicro ?? 0;
    const release = money?.releaseMicro ?? 0;
    const refund = money?.refundMicro ?? 0;
    // The charge itself is settled from the stream (reserved → charged), not here.
    if (reserve === 0 && release === 0 && refund === 0) {
      try {
        // An ending update removes the request and says how many chunks it had: none to look for when it was inline.
        const { Attributes } = await this.db.send(new UpdateCommand({ ...taskUpdate, ...(isFinished(next.status) ? { ReturnValues: "UPDATED_OLD" } : {}) }));
        if (isFinished(next.status) && !isFinished(prev.status)) await this.deletePayload(next.taskId, Attributes ? Number(Attributes[PAYLOAD_CHUNKS] ?? 0) : undefined);
        return "ok";
      } catch (error) {
        if (isConditionFailure(error)) return "conflict";
        throw error;
      }
    } else {
      const budget = money?.budget?.limitMicro;
      const result = await this.transitionWithMoney(prev, next, taskUpdate, { reserve, release, refund, ...(budget !== undefined ? { budgetLimitMicro: budget } : {}) });
      if (result !== "ok") return result;
    }
    if (isFinished(next.status) && !isFinished(prev.status)) await this.deletePayload(next.taskId);
    return "ok";
  }

  /**
   * The task and the team's money in one transaction. A failover's extra reservation is checked
   * against the month's budget like the first one (read, then written conditional on what was read).
   */
  private async transitionWithMoney(
    prev: TaskRecord,
    next: TaskRecord,
    taskUpdate: ReturnType<DynamoTaskStore["taskUpdate"]>,
    move: { reserve: number; release: number; refund: number; budgetLimitMicro?: number },
  ): Promise<TransitionResult> {
    for (;;) {
      const items: TransactItem[] = [
        { Update: taskUpdate },
        {
          Update: {
            TableName: this.table,
            Key: keys.team(next.teamId),
            UpdateExpression: "SET balance = balance + :balanceDelta, reserved = reserved + :reservedDelta, charged = charged + :chargedDelta",
            ConditionExpression: move.reserve > 0 ? "attribute_exists(pk) AND balance >= :reserve" : "attribute_exists(pk)",
            ExpressionAttributeValues: {
              ":balanceDelta": move.release + move.refund - move.reserve,
              ":reservedDelta": move.reserve - move.release,
              ":chargedDelta": -move.refund,
              ...(move.reserve > 0 ? { ":reserve": move.reserve } : {}),
            },
          },
        },
      ];
      let monthUsed: number | undefined;
      // A task counts against its month's budget when it was created under one; a caller that
      // names the budget (MoneyMove.budget) makes the reservation conditional on it either way.
      const budgetMonth = prev.budgetMonth ?? (move.budgetLimitMicro !== undefined ? monthOf(prev.createdAt) : undefined);
      if (budgetMonth) {
        const delta = move.reserve - move.release - move.refund;
        const month = keys.budgetMonth(next.teamId, budgetMonth);
        if (move.reserve > 0) {
          const limit =
            move.budgetLimitMicro ??
            (await this.db.send(new GetCommand({ TableName: this.table, Key: keys.team(next.teamId), ConsistentRead: true }))).Item?.monthly_budget;
          monthUsed = await this.monthUsed(next.teamId, budgetMonth);
          if (limit !== undefined && monthUsed + move.reserve > Number(limit)) return "over_budget";
        }
        items.push({
          Update: {
            TableName: this.table,
            Key: month,
            UpdateExpression: "ADD used :delta",
            ExpressionAttributeValues: { ":delta": delta, ...(monthUsed !== undefined ? { ":seen": monthUsed } : {}) },
            ...(monthUsed !== undefined ? { ConditionExpression: "attribute_not_exists(used) OR used = :seen" } : {}),
          },
        });
      }
      const reasons = await transactWrite(this.db, items);
      if (!reasons) return "ok";
      if (failed(reasons[0])) return "conflict";
      if (failed(reasons[1])) return "insufficient_credits";
      if (monthUsed !== undefined && failed(reasons[2])) continue; // the month moved meanwhile: check again
      throw new Error(`task transition cancelled: ${reasons.map((r) => r.Code ?? "None").join(", ")}`);
    }
  }

  private async monthUsed(teamId: string, month: string): Promise<number> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.budgetMonth(teamId, month), ConsistentRead: true }));
    return Number(Item?.used ?? 0);
  }

  /**
   * Tasks whose step is overdue: walks the team directory and, per team, the tasks created within
   * OPEN_TASK_HORIZON_MS (every task ends by its deadline, well inside it) — no index to keep.
   */
  async listOverdue(beforeMs: number, limit: number): Promise<TaskRecord[]> {
    // The horizon counts back from now (or from `beforeMs` when that is earlier): a caller may ask
    // for every open task with a `beforeMs` far ahead (packages/local/src/recovery.ts).
    const from = idPrefixAt(Math.min(beforeMs, Date.now()) - OPEN_TASK_HORIZON_MS);
    const overdue: TaskRecord[] = [];
    for (let shard = 0; shard < TEAM_DIRECTORY_SHARDS && overdue.length < limit; shard++) {
      const teams = await queryAll(this.db, {
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `TEAMS#${shard}` },
        ProjectionExpression: "sk",
      });
      for (const team of teams) {
        const items = await queryAll(
          this.db,
          {
            TableName: this.table,
            KeyConditionExpression: "pk = :pk AND sk >= :from",
            FilterExpression: "#status IN (:pending, :processing) AND due_at < :before",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":pk": keys.teamTasks(team.sk as string),
              ":from": from,
              ":pending": "pending",
              ":processing": "processing",
              ":before": beforeMs,
            },
            ProjectionExpression: "task",
          },
          limit - overdue.length,
        );
        overdue.push(...items.map((item) => taskRecord.fromAttribute(item.task)!));
        if (overdue.length >= limit) break;
      }
    }
    return overdue.sort((a, b) => a.dueAt - b.dueAt);
  }

  /** The task item as written at create; later writes update it in place. */
  private taskItem(task: TaskRecord): Record<string, unknown> {
    return { ...keys.task(task.taskId), team_id: task.teamId, status: task.status, version: task.version, due_at: task.dueAt, task: taskRecord.toAttribute(task) };
  }

  /** The conditional update that replaces `prev` by `next` (and drops the request once the task ends). */
  private taskUpdate(prev: TaskRecord, next: TaskRecord) {
    const ended = isFinished(next.status);
    return {
      TableName: this.table,
      Key: keys.task(next.taskId),
      UpdateExpression:
        "SET task = :task, #status = :status, version = :version, due_at = :due" +
        (ended ? `, #ttl = :expires REMOVE payload, ${PAYLOAD_CHUNKS}` : ""),
      ConditionExpression: "version = :prev",
      ExpressionAttributeNames: { "#status": "status", ...(ended ? { "#ttl": TTL_ATTRIBUTE } : {}) },
      ExpressionAttributeValues: {
        ":task": taskRecord.toAttribute(next),
        ":status": next.status,
        ":version": next.version,
        ":due": next.dueAt,
        ":prev": prev.version,
        ...(ended ? { ":expires": Math.floor((next.completedAt ?? next.updatedAt) / 1000) + RETENTION_SECONDS } : {}),
      },
    };
  }

  private payloadChunks(taskId: string, withData: boolean) {
    return queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": keys.payload(taskId, 0).pk },
      ConsistentRead: withData,
      ...(withData ? {} : { ProjectionExpression: "pk, sk" }),
    });
  }

  /**
   * Deletes a large request's chunks (a small one went with the task item's last write): `count`
   * of them when the ending write said so, else whatever a query finds.
   */
  private async deletePayload(taskId: string, count?: number): Promise<void> {
    const chunks = count === undefined ? await this.payloadChunks(taskId, false) : Array.from({ length: count }, (_, n) => keys.payload(taskId, n));
    for (let i = 0; i < chunks.length; i += 25) {
      await this.db.send(
        new BatchWriteCommand({
          RequestItems: { [this.table]: chunks.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })) },
        }),
      );
    }
  }

  private async taskForIdempotencyKey(teamId: string, key: string): Promise<{ taskId?: string; task?: TaskRecord }> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.idempotency(teamId, key), ConsistentRead: true }));
    if (!Item) return {};
    const taskId = Item.task_id as string;
    const task = await this.get(taskId);
    return task ? { taskId, task } : { taskId };
  }
}

const encodeCursor = (sk: string) => Buffer.from(sk, "utf8").toString("base64url");
function decodeCursor(cursor: string): string {
  const sk = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^[0-9a-z]{26}-[0-9a-z-]{1,64}$/.test(sk)) throw badRequest("cursor: not a cursor this API returned (use next_cursor as given)");
  return sk;
}
