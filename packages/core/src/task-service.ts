/**
 * What the public API does with tasks: accept (route, reserve, queue), show, list, delete,
 * report. Every rule of docs/api.md about tasks lives here; the HTTP layer only translates.
 */
import { monthOf, nextMonthStart } from "./budget.ts";
import { checkCallbackUrl } from "./callback-url.ts";
import { isoTime } from "./clock.ts";
import { commit } from "./commit.ts";
import type { RouterContext } from "./context.ts";
import { badRequest, conflict, DomainError, notFound, paymentRequired, unavailable } from "./errors.ts";
import { creditsToMicro, microToCreditsString } from "./money.ts";
import { route } from "./routing.ts";
import { attemptWindowSeconds, firstWaitSeconds, MAX_DELAY_SECONDS, taskDeadlineSeconds } from "./schedule.ts";
import type { TaskListQuery } from "./ports.ts";
import { isFinished, resultView, taskSummaryView, type TaskRecord, type TaskStatus } from "./task.ts";
import type { Priority, UnifiedTask } from "./task-types.ts";

export interface SubmitRequest {
  teamId: string;
  /** The team's monthly budget, when it has one (read with the team at authentication). */
  monthlyBudgetMicro?: number;
  task: UnifiedTask;
  priority: Priority;
  maxPrice?: number | string;
  callbackUrl?: string;
  callbackFormat?: TaskRecord["callbackFormat"];
  idempotencyKey?: string;
}

export interface SubmitAnswer {
  task_id: string;
  status: TaskStatus;
  estimated_time: number;
  message: string;
}

const SEND_ATTEMPTS = 3;

/**
 * Task ids carry their team: `<time-ordered id>-<team id>`. A task is then stored (and listed,
 * newest first) within its team's partition, and still found from its id alone.
 */
export const newTaskId = (ctx: Pick<RouterContext, "newId">, teamId: string): string => `${ctx.newId()}-${teamId}`;

export async function submitTask(ctx: RouterContext, request: SubmitRequest): Promise<SubmitAnswer> {
  if (request.callbackUrl) await checkCallbackUrl(ctx, request.callbackUrl);
  const now = ctx.clock.now();
  const maxPriceMicro = request.maxPrice === undefined ? undefined : creditsToMicro(request.maxPrice);
  const decision = route(
    { type: request.task.type, priority: request.priority, ...(maxPriceMicro !== undefined ? { maxPriceMicro } : {}) },
    ctx.providers,
    await ctx.providerStates.list(),
    { nowMs: now, explorationShare: ctx.explorationShare, ...(ctx.random ? { random: ctx.random } : {}) },
  );
  if (decision.kind === "none") throw badRequest(`${decision.reason}.`);
  const type = request.task.type;
  if (decision.kind === "cooling" && decision.untilMs >= now + (taskDeadlineSeconds(type) - attemptWindowSeconds(type)) * 1000) {
    // Back too late to solve the task by its deadline (the worker's rule): refuse rather than hold credits.
    throw unavailable(`Every provider for ${type} is cooling down until ${isoTime(decision.untilMs)}; nothing was charged. Retry later.`);
  }

  const dueAt = decision.kind === "cooling" ? decision.untilMs : now;
  const task: TaskRecord = {
    taskId: newTaskId(ctx, request.teamId),
    teamId: request.teamId,
    type: request.task.type,
    priority: request.priority,
    status: "pending",
    step: 0,
    version: 1,
    createdAt: now,
    updatedAt: now,
    dueAt,
    deadlineAt: now + taskDeadlineSeconds(request.task.type) * 1000,
    reservedMicro: decision.priceMicro,
    routing: { providerId: decision.provider.id, reason: decision.reason },
    attempts: [],
    ...(maxPriceMicro !== undefined ? { maxPriceMicro } : {}),
    ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
    ...(request.callbackUrl && request.callbackFormat ? { callbackFormat: request.callbackFormat } : {}),
    ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
  };
  const budget = request.monthlyBudgetMicro === undefined ? undefined : { month: monthOf(now), limitMicro: request.monthlyBudgetMicro };
  if (budget) task.budgetMonth = budget.month;
  const created = await ctx.tasks.create(task, request.task, budget);
  switch (created.kind) {
    case "no_team":
      throw new DomainError(401, "Invalid API key");
    case "insufficient_credits":
      throw paymentRequired(
        `Insufficient credits. Need ${microToCreditsString(created.needMicro)}, have ${microToCreditsString(created.haveMicro)}`,
      );
    case "over_budget":
      throw paymentRequired(
        `Monthly budget exceeded. Need ${microToCreditsString(created.needMicro)}, ` +
          `${microToCreditsString(Math.max(0, created.limitMicro - created.usedMicro))} of ${microToCreditsString(created.limitMicro)} left this month ` +
          `(resets ${isoTime(nextMonthStart(now))})`,
      );
    case "duplicate":
      return submitAnswer(created.task, "Task already submitted with this Idempotency-Key");
    case "created":
      break;
  }

  const delay = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((dueAt - now) / 1000)));
  try {
    await sendWithRetry(ctx, task, delay);
  } catch (error) {
    // The task is written and its credits reserved, but no worker will hear of it. Undo it so
    // the caller can retry; if even that fails, the sweeper finds the task overdue and queues it.
    ctx.logger.error("could not queue a new task", { task_id: task.taskId, error: String(error) });
    const undone = await commit(ctx, task, finished(task, now, "failed", "The router could not queue the task; nothing was charged."), {
      releaseMicro: task.reservedMicro,
    }).catch(() => ({ ok: false as const }));
    if (undone.ok) {
      // The task never existed for the caller: remove it, so a retry with the same
      // Idempotency-Key creates the task instead of finding this one.
      await ctx.tasks.delete(undone.task).catch(() => false);
      throw unavailable("The task queue is unavailable; nothing was charged. Retry the request.");
    }
  }
  ctx.metrics?.taskAccepted(task);
  return submitAnswer(task, "Task submitted successfully");
}

async function sendWithRetry(ctx: RouterContext, task: TaskRecord, delaySeconds: number) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.queue.send({ kind: "task", task_id: task.taskId, step: task.step }, delaySeconds);
    } catch (error) {
      if (attempt >= SEND_ATTEMPTS) throw error;
    }
  }
}

function submitAnswer(task: TaskRecord, message: string): SubmitAnswer {
  return { task_id: task.taskId, status: task.status, estimated_time: estimatedSeconds(task), message };
}

/** The wait before the first result request plus a little: what a client should expect. */
const estimatedSeconds = (task: TaskRecord): number => firstWaitSeconds(task.type) + 5;

/** A task ended: the record as it stands once settled. */
export function finished(task: TaskRecord, now: number, status: "completed" | "failed", error?: string): TaskRecord {
  return {
    ...task,
    status,
    completedAt: now,
    reservedMicro: 0,
    ...(error ? { error } : {}),
  };
}

/** A task of this team, or 404 (other teams' tasks do not exist for you). */
export async function getOwnTask(ctx: RouterContext, teamId: string, taskId: string): Promise<TaskRecord> {
  const task = await ctx.tasks.get(taskId);
  if (!task || task.teamId !== teamId) throw notFound(`Task ${taskId} not found`);
  return task;
}

export async function getResult(ctx: RouterContext, teamId: string, taskId: string) {
  return resultView(await getOwnTask(ctx, teamId, taskId));
}

export async function listTasks(ctx: RouterContext, teamId: string, query: TaskListQuery) {
  const { total, tasks, nextCursor } = await ctx.tasks.list(teamId, query);
  return {
    total,
    limit: query.limit,
    offset: query.cursor ? 0 : query.offset,
    next_cursor: nextCursor ?? null,
    tasks: tasks.map(taskSummaryView),
  };
}

export async function deleteTask(ctx: RouterContext, teamId: string, taskId: string) {
  const task = await getOwnTask(ctx, teamId, taskId);
  if (!isFinished(task.status)) {
    throw conflict(`Task ${taskId} is still ${task.status}; only completed or failed tasks can be deleted`);
  }
  if (!(await ctx.tasks.delete(task))) throw notFound(`Task ${taskId} not found`);
  return { message: "Task deleted successfully", task_id: taskId };
}
