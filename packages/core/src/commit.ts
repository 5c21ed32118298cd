import type { RouterContext } from "./context.ts";
import type { MoneyMove, TransitionResult } from "./ports.ts";
import type { TaskRecord } from "./task.ts";

export type CommitResult = { ok: true; task: TaskRecord } | { ok: false; reason: Exclude<TransitionResult, "ok"> };

/**
 * Writes `next` over `prev` if nobody changed the task since `prev` was read: the one way
 * a task changes. Versions are handled here, so record builders never touch them.
 */
export async function commit(
  ctx: Pick<RouterContext, "tasks" | "clock">,
  prev: TaskRecord,
  next: TaskRecord,
  money?: MoneyMove,
): Promise<CommitResult> {
  const record: TaskRecord = { ...next, version: prev.version + 1, updatedAt: ctx.clock.now() };
  const result = await ctx.tasks.transition(prev, record, money);
  return result === "ok" ? { ok: true, task: record } : { ok: false, reason: result };
}
