/**
 * After a restart on kept data: the SQS stand-in (fauxqs) holds its messages in memory only, so
 * every unfinished task has lost the message of its current step. Queue each one again, due when
 * its step was due. A step already handled makes the message a no-op (task-processor.ts), and a
 * captcha the restarted sandbox upstream has forgotten fails that attempt and fails over.
 * Without this the sweeper would still find them, but only once overdue by its grace (60 s,
 * core's SWEEP_GRACE_SECONDS) plus up to one interval (30 s locally): inside the shortest task
 * deadline (240 s, image tasks), yet a minute and a half lost for nothing.
 */
import { MAX_DELAY_SECONDS, type RouterContext } from "@solver-router/core";

/** Far enough ahead to list every open task, whatever its next step's due time. */
const EVERY_OPEN_TASK_MS = 365 * 24 * 60 * 60 * 1000;
/** More unfinished tasks than one local machine holds; the sweeper picks up any beyond. */
const MAX_TASKS = 10_000;

export async function requeueOpenTasks(ctx: RouterContext): Promise<number> {
  const now = ctx.clock.now();
  const open = await ctx.tasks.listOverdue(now + EVERY_OPEN_TASK_MS, MAX_TASKS);
  for (const task of open) {
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((task.dueAt - now) / 1000)));
    await ctx.queue.send({ kind: "task", task_id: task.taskId, step: task.step }, delaySeconds);
  }
  if (open.length) ctx.logger.info("re-queued the unfinished tasks of the last run", { count: open.length });
  return open.length;
}
