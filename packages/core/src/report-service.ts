/**
 * POST /v2/solver/task/{id}/report: reportgood / reportbad. One report per task, only for a
 * completed task and within the provider's report window. A bad report is forwarded upstream
 * (and, once the upstream records it, refunded) only within the team's cap (report-policy.ts);
 * beyond it the report is kept on the task for the team's statistics, neither forwarded nor
 * refunded. Only reports the upstream recorded move the provider's accuracy figures.
 */
import { commit } from "./commit.ts";
import type { RouterContext } from "./context.ts";
import { conflict } from "./errors.ts";
import { microToCredits } from "./money.ts";
import {
  badReportCap,
  DEFAULT_REPORT_POLICY,
  DEFAULT_REPORT_WINDOW_SECONDS,
  REPORT_WINDOW_MS,
  solvedNeededFor,
  type ReportPolicy,
} from "./report-policy.ts";
import { getOwnTask } from "./task-service.ts";
import { currentAttempt, type TaskRecord } from "./task.ts";

export type ReportUpstream = "recorded" | "not_supported" | "failed" | "not_forwarded";

export async function reportTask(ctx: RouterContext, teamId: string, taskId: string, correct: boolean) {
  const task = await getOwnTask(ctx, teamId, taskId);
  if (task.status !== "completed") throw conflict(`Task ${taskId} is ${task.status}; only completed tasks can be reported`);
  if (task.report) throw conflict(`Task ${taskId} was already reported as ${task.report}`);
  const now = ctx.clock.now();
  const attempt = task.attempts.find((a) => a.state === "solved") ?? currentAttempt(task);
  const provider = ctx.providers.find((p) => p.id === attempt?.providerId);
  const windowSeconds = provider?.reportWindowSeconds ?? DEFAULT_REPORT_WINDOW_SECONDS;
  const acceptedAt = attempt?.acceptedAt ?? attempt?.startedAt ?? task.createdAt;
  if (now > acceptedAt + windowSeconds * 1000) {
    throw conflict(`Task ${taskId} can no longer be reported: reports are taken up to ${Math.round(windowSeconds / 60)} minutes after the provider accepted the task`);
  }

  // The report is claimed on the task first (a write conditional on its version): of two
  // reports at once only one gets past this point, so only one can reach the upstream.
  const claimed = await commit(ctx, task, { ...task, report: correct ? "good" : "bad" });
  if (!claimed.ok) throw conflict(`Task ${taskId} was reported at the same time; a task can be reported once`);

  const adapter = provider ? ctx.adapters[provider.protocol] : undefined;
  let upstream: ReportUpstream = "not_supported";
  let capped = false;
  // A protocol without reports has no adapter.report: "not_supported", nothing forwarded.
  if (provider && adapter?.report && attempt?.upstreamId) {
    const slot = correct ? true : await takeBadReportSlot(ctx, teamId, now);
    if (!slot) {
      capped = true;
      upstream = "not_forwarded";
    } else {
      const outcome = await adapter.report(provider, attempt.upstreamId, correct).catch(() => undefined);
      upstream = outcome?.kind === "recorded" ? "recorded" : "failed";
      if (outcome?.kind === "error") {
        ctx.logger.warn("upstream report not recorded", { task_id: taskId, provider: provider.id, code: outcome.error.code });
      }
      if (!correct && upstream !== "recorded") await ctx.reportQuota.releaseSlot(teamId, now).catch(() => {});
    }
  }

  // The upstream refunds a wrong answer it records a reportbad for; so does the router.
  let refund = !correct && upstream === "recorded" ? (task.chargedMicro ?? 0) : 0;
  if (refund > 0) {
    const refunded = await refundTask(ctx, claimed.task, refund);
    if (!refunded) {
      ctx.logger.error("report refund not written", { task_id: taskId });
      refund = 0;
    }
  }
  if (attempt && upstream === "recorded") await ctx.providerStates.recordReport(attempt.providerId, task.type, correct);
  return {
    message: capped
      ? "Report recorded for your statistics only: your team's bad reports over the last 24 hours reached the cap, so it was neither forwarded to the provider nor refunded"
      : "Report recorded",
    task_id: taskId,
    correct,
    upstream,
    refunded: microToCredits(refund),
    forwarded: upstream === "recorded" || upstream === "failed",
    capped,
  };
}

async function refundTask(ctx: RouterContext, task: TaskRecord, refund: number): Promise<boolean> {
  const written = await commit(ctx, task, { ...task, chargedMicro: 0, refundedMicro: refund }, { refundMicro: refund });
  return written.ok;
}

/**
 * One forwarding slot for a bad report, within max(free reports, share × solved tasks) over the
 * last 24 hours. Solved tasks are only counted as far as the cap needs them.
 */
async function takeBadReportSlot(ctx: RouterContext, teamId: string, now: number): Promise<boolean> {
  const policy: ReportPolicy = ctx.reportPolicy ?? DEFAULT_REPORT_POLICY;
  const since = now - REPORT_WINDOW_MS;
  const forwarded = await ctx.reportQuota.forwardedSince(teamId, since);
  const needed = solvedNeededFor(policy, forwarded);
  const solved = forwarded < policy.freeReports || !Number.isFinite(needed) ? 0 : await ctx.reportQuota.solvedSince(teamId, since, needed);
  return ctx.reportQuota.takeSlot(teamId, now, since, badReportCap(policy, solved));
}
