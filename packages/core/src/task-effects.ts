/**
 * What a change to a task means for the books: the usage rollup increments, the ledger lines,
 * the charge that leaves the team's reservation for good, and the per-status task counts.
 *
 * Derived from the task's own before/after records, so the one write that changes a task is
 * all there is to make durable: DynamoDB applies these effects from the table's stream
 * (packages/functions/src/aws/task-effects-aggregator.ts), exactly once per change; the
 * in-memory test stores apply them at once. See docs/architecture.md "Money and usage".
 */
import { dayOf } from "./clock.ts";
import type { Micro } from "./money.ts";
import type { LedgerEntry, UsageEvent } from "./ports.ts";
import { currentAttempt, isFinished, type TaskRecord, type TaskStatus } from "./task.ts";
import type { TaskType } from "./task-types.ts";

export interface TaskEffects {
  /** The task's team (undefined only when there is no task on either side). */
  teamId?: string;
  usage: UsageEvent[];
  ledger: (LedgerEntry & { taskId: string })[];
  /** Moves from the team's reservation to what it was charged (the task ended with a charge). */
  settledChargeMicro: Micro;
  /** +1 / -1 per status: the team's task counts (the task list's `total`). */
  statusCounts: Partial<Record<TaskStatus, number>>;
  /**
   * The attempt that solved the task, counted in its provider's observed figures (failures are
   * counted as they happen: they drive cooldowns; successes, the many, are counted here in bulk).
   */
  solved?: { providerId: string; type: TaskType; solveSeconds: number; at: number };
}

export function taskEffects(before: TaskRecord | undefined, after: TaskRecord | undefined): TaskEffects {
  const task = after ?? before;
  const effects: TaskEffects = { ...(task ? { teamId: task.teamId } : {}), usage: [], ledger: [], settledChargeMicro: 0, statusCounts: {} };
  if (!task) return effects;
  // A new task is counted by the write that creates it (with the team's reservation); what
  // follows — status moves, deletion, expiry — counts here.
  if (before && before.status !== after?.status) {
    effects.statusCounts[before.status] = -1;
    if (after) effects.statusCounts[after.status] = (effects.statusCounts[after.status] ?? 0) + 1;
  }
  if (!after) return effects;

  if (before && !isFinished(before.status) && isFinished(after.status)) {
    const charged = after.chargedMicro ?? 0;
    const at = after.completedAt ?? after.updatedAt;
    effects.usage.push({
      kind: "ended",
      teamId: after.teamId,
      day: dayOf(after.createdAt),
      type: after.type,
      providerId: servingProvider(after),
      completed: after.status === "completed",
      chargedMicro: charged,
      solveSeconds: after.status === "completed" ? (at - after.createdAt) / 1000 : 0,
    });
    effects.settledChargeMicro = charged;
    const solvedBy = after.attempts.find((a) => a.state === "solved");
    if (after.status === "completed" && solvedBy) {
      const endedAt = solvedBy.endedAt ?? at;
      effects.solved = { providerId: solvedBy.providerId, type: after.type, solveSeconds: (endedAt - solvedBy.startedAt) / 1000, at: endedAt };
    }
    if (charged > 0) effects.ledger.push(line(after, "charge", -charged, at));
  }
  const refund = after.refundedMicro ?? 0;
  if (refund > 0 && (before?.refundedMicro ?? 0) === 0) {
    effects.usage.push({
      kind: "refund",
      teamId: after.teamId,
      day: dayOf(after.createdAt),
      type: after.type,
      providerId: servingProvider(after),
      completed: true,
      chargedMicro: -refund,
      solveSeconds: 0,
    });
    effects.ledger.push(line(after, "refund", refund, after.updatedAt));
  }
  return effects;
}

/** The provider that solved the task, else the last one tried ("none" when none was reached). */
export const servingProvider = (task: TaskRecord): string =>
  task.attempts.find((a) => a.state === "solved")?.providerId ?? currentAttempt(task)?.providerId ?? "none";

const line = (task: TaskRecord, kind: "charge" | "refund", amountMicro: Micro, at: number) => ({
  at,
  kind,
  amountMicro,
  taskId: task.taskId,
  taskType: task.type,
  providerId: servingProvider(task),
});
