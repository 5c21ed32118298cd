/**
 * The worker's side of the lifecycle: what one queue message does to one task.
 *
 * Every step follows the same order so that no crash, retry or duplicate delivery can lose a
 * task or charge it twice:
 *   1. queue the message for the next step (with the wait the upstream document asks for);
 *   2. claim the step: a write conditional on the task's version that moves `step` on;
 *      a duplicate of this message loses the race here and stops;
 *   3. talk to the upstream;
 *   4. record the outcome (again conditional on the version); money moves in the same write.
 * If the process dies after 1, the queued message carries on; a message that arrives for a
 * step the task has left does nothing. Waiting is always an SQS delay, never a sleep.
 */
import type { Fault, Solution, UpstreamError } from "./adapter.ts";
import { dayOf } from "./clock.ts";
import { commit } from "./commit.ts";
import type { RouterContext } from "./context.ts";
import type { MoneyMove, UsageEvent } from "./ports.ts";
import type { Provider } from "./providers.ts";
import { route } from "./routing.ts";
import {
  attemptWindowSeconds,
  firstWaitSeconds,
  MAX_DELAY_SECONDS,
  MAX_RESULT_REQUESTS,
  nextPollDelaySeconds,
  POLL_INTERVAL_SECONDS,
} from "./schedule.ts";
import { finished } from "./task-service.ts";
import { currentAttempt, isFinished, resultView, type Attempt, type TaskRecord } from "./task.ts";

/** Consecutive transient errors (5xx, timeouts) on one provider before it cools down. */
export const MAX_TRANSIENT_ERRORS = 2;
/** ERROR_NO_SLOT_AVAILABLE answers tolerated before trying another provider. */
const MAX_NO_SLOT_RETRIES = 6;
export const TRANSIENT_COOLDOWN_SECONDS = 60;
/** A provider whose recent attempts of a type mostly got no answer cools down (see coolDownIfMostlyFailing). */
const FAILING_MIN_ATTEMPTS = 5;
const FAILING_SHARE = 0.8;
const FAILING_COOLDOWN_SECONDS = 120;
/** How long a claimed submit may still be in flight: the worker's time limit (infra/queue.ts WORKER_TIMEOUT_SECONDS). */
const SUBMIT_IN_FLIGHT_SECONDS = 60;
/** A synchronous upstream call that never came back is retried after this. */
const SYNC_SUBMIT_RECHECK_SECONDS = 90;
export const CALLBACK_DELAYS_SECONDS = [5, 15, 60, 180, 600] as const;
/** The first callback POST comes this long after the task ends. */
export const CALLBACK_FIRST_DELAY_SECONDS = 1;

/** Times a message that arrives before its step's write is put back before it is dropped. */
const MAX_EARLY_RETURNS = 5;

export async function handleTaskMessage(ctx: RouterContext, taskId: string, step: number, early = 0): Promise<void> {
  const task = await ctx.tasks.get(taskId);
  if (task && !isFinished(task.status) && task.step === step - 1 && early < MAX_EARLY_RETURNS) {
    // The next step is queued just before the write that moves the task to it: this message
    // overtook that write. Come back shortly rather than drop it (if the write never lands,
    // the message of the current step is redelivered by SQS, or re-queued by the sweeper).
    await ctx.queue.send({ kind: "task", task_id: taskId, step, early: early + 1 }, 1);
    return;
  }
  if (!task || isFinished(task.status) || task.step !== step) return; // duplicate or stale
  const now = ctx.clock.now();
  if (now >= task.deadlineAt) {
    await endTask(ctx, task, task, { status: "failed", error: deadlineError(task) });
    return;
  }
  const attempt = currentAttempt(task);
  if (attempt?.state === "polling") return poll(ctx, task, attempt);
  if (attempt?.state === "submitting") {
    const inFlightUntil = attempt.startedAt + SUBMIT_IN_FLIGHT_SECONDS * 1000;
    if (now < inFlightUntil) {
      // The worker that claimed the submit may still be waiting on a slow upstream: submitting
      // again now would give the upstream the captcha twice. Look again once it cannot be.
      await ctx.queue.send({ kind: "task", task_id: taskId, step }, byDeadline(task, now, Math.ceil((inFlightUntil - now) / 1000)));
      return;
    }
    // The last submit was claimed but never recorded: the process died mid-call. Whether the
    // upstream got it is unknown; submit again (to the same provider unless it failed).
    const lost = withAttempt(task, { ...attempt, state: "failed", endedAt: now, error: "retry: submit interrupted" });
    return submit(ctx, lost, task);
  }
  return submit(ctx, task, task);
}

// ── submit ─────────────────────────────────────────────────────────────────────────────

/** Submits `task` (what `base`, the stored record, is becoming) to the best provider now. */
async function submit(ctx: RouterContext, task: TaskRecord, base: TaskRecord): Promise<void> {
  const now = ctx.clock.now();
  const choice = await chooseProvider(ctx, task, now);
  if (choice.kind === "none") {
    await endTask(ctx, task, base, { status: "failed", error: choice.reason });
    return;
  }
  if (choice.kind === "wait") {
    await reschedule(ctx, task, base, choice.untilMs);
    return;
  }
  const { provider, priceMicro } = choice;
  const adapter = ctx.adapters[provider.protocol]!;
  const payload = await ctx.tasks.getPayload(task.taskId);
  if (!payload) throw new Error(`task ${task.taskId} has no payload`);

  // Failing over to a pricier provider takes the difference from the balance, atomically.
  const extra = Math.max(0, priceMicro - task.reservedMicro);
  const waitSeconds = byDeadline(task, now, adapter.poll ? firstWaitSeconds(task.type) : SYNC_SUBMIT_RECHECK_SECONDS);
  const attempt: Attempt = { providerId: provider.id, state: "submitting", startedAt: now, polls: 0, retries: 0, priceMicro };
  const claim: TaskRecord = {
    ...withAttempt(task, attempt, true),
    step: base.step + 1,
    dueAt: now + waitSeconds * 1000,
    reservedMicro: task.reservedMicro + extra,
    routing: task.attempts.length === 0 ? task.routing : { providerId: provider.id, reason: choice.reason },
  };
  await ctx.queue.send({ kind: "task", task_id: task.taskId, step: claim.step }, waitSeconds);
  const claimed = await commit(ctx, base, claim, extra > 0 ? { reserveMicro: extra } : undefined);
  if (!claimed.ok && claimed.reason === "insufficient_credits") {
    // Cannot afford this provider: stay within what is already reserved.
    const capped = { ...task, maxPriceMicro: Math.min(task.maxPriceMicro ?? Infinity, task.reservedMicro) };
    const retry = await chooseProvider(ctx, capped, now);
    if (retry.kind === "provider" && retry.priceMicro <= task.reservedMicro) return submit(ctx, capped, base);
    await endTask(ctx, task, base, { status: "failed", error: "Insufficient credits to move the task to another provider" });
    return;
  }
  if (!claimed.ok) return; // a duplicate message got here first

  const outcome = await adapter.submit(provider, payload, { priority: task.priority });
  const submitted = claimed.task;
  const current = currentAttempt(submitted)!;
  switch (outcome.kind) {
    case "submitted":
      await commit(ctx, submitted, {
        ...withAttempt(submitted, { ...current, state: "polling", upstreamId: outcome.upstreamId, acceptedAt: ctx.clock.now() }),
        status: "processing",
      });
      return;
    case "solved":
      await complete(ctx, submitted, { ...current, ...(outcome.upstreamId ? { upstreamId: outcome.upstreamId } : {}) }, outcome.solution);
      return;
    case "error":
      await attemptFailed(ctx, submitted, current, outcome.error, "submit");
      return;
  }
}

type ProviderChoice =
  | { kind: "provider"; provider: Provider; priceMicro: number; reason: string }
  | { kind: "wait"; untilMs: number }
  | { kind: "none"; reason: string };

async function chooseProvider(ctx: RouterContext, task: TaskRecord, now: number): Promise<ProviderChoice> {
  const states = await ctx.providerStates.list();
  const exclude = new Set(task.attempts.filter((a) => a.state === "failed" && excludedAfter(a)).map((a) => a.providerId));
  const planned = ctx.providers.find((p) => p.id === task.routing.providerId);
  const plannedState = states.find((s) => s.providerId === planned?.id);
  if (
    task.attempts.length === 0 &&
    planned?.enabled &&
    planned.tasks[task.type] &&
    !((plannedState?.cooldownUntil ?? 0) > now)
  ) {
    // The provider chosen (and priced) when the task was accepted.
    return { kind: "provider", provider: planned, priceMicro: task.reservedMicro, reason: task.routing.reason };
  }
  const decision = route(
    { type: task.type, priority: task.priority, exclude, ...(task.maxPriceMicro !== undefined ? { maxPriceMicro: task.maxPriceMicro } : {}) },
    ctx.providers,
    states,
    { nowMs: now },
  );
  if (decision.kind === "routed") {
    const reason = task.attempts.length ? `failover after ${lastError(task)}: ${decision.reason}` : decision.reason;
    return { kind: "provider", provider: decision.provider, priceMicro: decision.priceMicro, reason };
  }
  if (decision.kind === "cooling" && decision.untilMs < task.deadlineAt - attemptWindowSeconds(task.type) * 1000) {
    return { kind: "wait", untilMs: decision.untilMs };
  }
  const why = task.attempts.length ? `No provider could solve the task (last error: ${lastError(task)})` : decision.reason;
  return { kind: "none", reason: why };
}

/** A provider that failed a task for a reason other than a passing hiccup is not tried again. */
const excludedAfter = (attempt: Attempt) => !attempt.error?.startsWith("retry:");

const lastError = (task: TaskRecord) =>
  (task.attempts.findLast((a) => a.error)?.error ?? "no answer").replace(/^retry: /, "");

// ── poll ───────────────────────────────────────────────────────────────────────────────

async function poll(ctx: RouterContext, task: TaskRecord, attempt: Attempt): Promise<void> {
  const now = ctx.clock.now();
  const provider = ctx.providers.find((p) => p.id === attempt.providerId);
  const adapter = provider && ctx.adapters[provider.protocol];
  // Past the attempt's window (or a late message) one last result request is still made before
  // giving up, so an answer the upstream already has is never abandoned unasked.
  const windowOver = now >= attempt.startedAt + attemptWindowSeconds(task.type) * 1000;
  if (!provider || !adapter?.poll || attempt.polls >= MAX_RESULT_REQUESTS) {
    const reason = !provider ? "The provider is no longer configured" : `No answer after ${attempt.polls} result requests`;
    await attemptFailed(ctx, task, attempt, { fault: "unsolvable", code: "NO_ANSWER", message: reason }, "poll");
    return;
  }
  // The first wait counts from when the upstream accepted the captcha, later ones from the last
  // result request; the step's message was queued before those, so it can arrive a little early.
  const notBefore =
    attempt.polls === 0 || attempt.lastPollAt === undefined
      ? (attempt.acceptedAt ?? attempt.startedAt) + firstWaitSeconds(task.type) * 1000
      : attempt.lastPollAt + POLL_INTERVAL_SECONDS * 1000;
  if (now < notBefore) {
    await ctx.queue.send({ kind: "task", task_id: task.taskId, step: task.step }, byDeadline(task, now, Math.ceil((notBefore - now) / 1000)));
    return;
  }
  const delay = byDeadline(task, now, nextPollDelaySeconds(task.type, attempt.polls + 1, attempt.startedAt, now));
  const claim: TaskRecord = {
    ...withAttempt(task, { ...attempt, polls: attempt.polls + 1, lastPollAt: now }),
    step: task.step + 1,
    dueAt: now + delay * 1000,
  };
  await ctx.queue.send({ kind: "task", task_id: task.taskId, step: claim.step }, delay);
  const claimed = await commit(ctx, task, claim);
  if (!claimed.ok) return; // a duplicate message got here first

  const outcome = await adapter.poll(provider, attempt.upstreamId!, task.type);
  const polled = claimed.task;
  const current = currentAttempt(polled)!;
  if (outcome.kind === "solved") return complete(ctx, polled, current, outcome.solution);
  if (windowOver && (outcome.kind === "not_ready" || outcome.error.fault === "retry")) {
    const message = `No answer after ${current.polls} result requests`;
    await attemptFailed(ctx, polled, current, { fault: "unsolvable", code: "NO_ANSWER", message }, "poll");
    return;
  }
  if (outcome.kind === "not_ready") {
    if (current.retries > 0) await commit(ctx, polled, withAttempt(polled, { ...current, retries: 0 }));
    return; // the next poll is already queued
  }
  if (outcome.error.fault === "retry" && current.retries + 1 <= MAX_TRANSIENT_ERRORS) {
    // A passing upstream hiccup while it holds the captcha: count it; the next poll is queued.
    await commit(ctx, polled, withAttempt(polled, { ...current, retries: current.retries + 1 }));
    return;
  }
  await attemptFailed(ctx, polled, current, outcome.error, "poll");
}

// ── outcomes ───────────────────────────────────────────────────────────────────────────

/**
 * An upstream answered an error. Depending on its class (adapter.ts `Fault`): ask the same
 * provider again later, cool the provider down and move on, move on, or fail the task.
 */
async function attemptFailed(
  ctx: RouterContext,
  task: TaskRecord,
  attempt: Attempt,
  error: UpstreamError,
  during: "submit" | "poll",
): Promise<void> {
  const now = ctx.clock.now();
  let fault: Fault = error.fault;
  const sameProviderRetries = countTrailingRetries(task, attempt.providerId);
  if (fault === "retry" && during === "submit") {
    const limit = error.code === "ERROR_NO_SLOT_AVAILABLE" ? MAX_NO_SLOT_RETRIES : MAX_TRANSIENT_ERRORS;
    if (sameProviderRetries + 1 >= limit) fault = error.code === "ERROR_NO_SLOT_AVAILABLE" ? "unsolvable" : "cooldown";
  } else if (fault === "retry") {
    fault = "cooldown"; // repeated errors while polling: the provider is in trouble
  }
  if (fault === "cooldown") {
    const seconds = error.fault === "cooldown" ? (error.waitSeconds ?? 300) : TRANSIENT_COOLDOWN_SECONDS;
    await ctx.providerStates.setCooldown(attempt.providerId, now + seconds * 1000, `${error.code}: ${error.message}`);
    ctx.logger.warn("provider cooling down", { provider: attempt.providerId, code: error.code, seconds });
  }
  if (fault !== "bad_request") {
    // A task the upstream rejects as malformed says nothing about the provider's quality.
    await ctx.providerStates.recordAttempt(attempt.providerId, task.type, fault === "unsolvable" ? { kind: "unsolvable" } : { kind: "error" });
  }
  if (fault === "unsolvable") await coolDownIfMostlyFailing(ctx, attempt.providerId, task.type, now);

  const failedAttempt: Attempt = {
    ...attempt,
    state: "failed",
    endedAt: now,
    error: fault === "retry" ? `retry: ${error.code}` : `${error.code}: ${error.message}`,
  };
  if (fault === "bad_request") {
    await endTask(ctx, withAttempt(task, failedAttempt), task, { status: "failed", error: error.message });
    return;
  }
  // Back to pending: the next step submits again (same provider after a wait, or the next one).
  const wait = fault === "retry" ? Math.max(POLL_INTERVAL_SECONDS, error.waitSeconds ?? POLL_INTERVAL_SECONDS) : 0;
  await reschedule(ctx, { ...withAttempt(task, failedAttempt), status: "pending" }, task, now + wait * 1000);
}

/**
 * A provider that has stopped answering (almost every recent attempt of a type unsolvable or
 * failed) cools down like a provider that said so: unsolvable attempts cost nothing, but each
 * one costs the task its wait, and failover being free would otherwise keep it first in line.
 */
async function coolDownIfMostlyFailing(ctx: RouterContext, providerId: string, type: TaskRecord["type"], now: number) {
  const observed = (await ctx.providerStates.list()).find((s) => s.providerId === providerId)?.observed[type];
  if (!observed) return;
  const failed = observed.unsolvable + observed.errors;
  if (failed < FAILING_MIN_ATTEMPTS || failed / observed.attempts < FAILING_SHARE) return;
  const reason = `MOSTLY_UNSOLVABLE: ${failed} of the last ${observed.attempts} ${type} attempts got no answer`;
  await ctx.providerStates.setCooldown(providerId, now + FAILING_COOLDOWN_SECONDS * 1000, reason);
  ctx.logger.warn("provider cooling down", { provider: providerId, code: "MOSTLY_UNSOLVABLE", seconds: FAILING_COOLDOWN_SECONDS });
}

const countTrailingRetries = (task: TaskRecord, providerId: string): number => {
  let count = 0;
  for (const a of [...task.attempts].reverse().slice(1)) {
    if (a.providerId !== providerId || !a.error?.startsWith("retry:")) break;
    count++;
  }
  return count;
};

/** A step's wait, cut short so the next message comes no later than the task's deadline (which ends it). */
const byDeadline = (task: TaskRecord, now: number, seconds: number): number =>
  Math.min(seconds, Math.max(0, Math.ceil((task.deadlineAt - now) / 1000)));

/** Queues the task's next step for `atMs` and records it (any step queued earlier goes stale). */
async function reschedule(ctx: RouterContext, next: TaskRecord, base: TaskRecord, atMs: number) {
  const now = ctx.clock.now();
  const delay = byDeadline(next, now, Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((atMs - now) / 1000))));
  const record: TaskRecord = { ...next, step: base.step + 1, dueAt: now + delay * 1000 };
  await ctx.queue.send({ kind: "task", task_id: record.taskId, step: record.step }, delay);
  await commit(ctx, base, record);
}

async function complete(ctx: RouterContext, task: TaskRecord, attempt: Attempt, solution: Solution) {
  const now = ctx.clock.now();
  const charge = Math.min(attempt.priceMicro, task.reservedMicro);
  const solvedAttempt: Attempt = { ...attempt, state: "solved", endedAt: now };
  await endTask(ctx, withAttempt(task, solvedAttempt), task, { status: "completed", solution, chargeMicro: charge });
  await ctx.providerStates.recordAttempt(attempt.providerId, task.type, {
    kind: "solved",
    solveSeconds: (now - attempt.startedAt) / 1000,
  });
}

/**
 * Ends a task: queues the callback if the team asked for one, then charges what it cost
 * (nothing if it failed), releases the rest of the reservation and writes the usage rollup —
 * all in the task's own conditional write.
 */
async function endTask(
  ctx: RouterContext,
  next: TaskRecord,
  base: TaskRecord,
  end: { status: "completed"; solution: Solution; chargeMicro: number } | { status: "failed"; error: string },
): Promise<void> {
  const now = ctx.clock.now();
  const chargeMicro = end.status === "completed" ? end.chargeMicro : 0;
  const record: TaskRecord = {
    ...finished(next, now, end.status, end.status === "failed" ? end.error : undefined),
    ...(end.status === "completed" ? { solution: end.solution, chargedMicro: chargeMicro } : {}),
  };
  const money: MoneyMove = { chargeMicro, releaseMicro: base.reservedMicro - chargeMicro };
  const solvedBy = record.attempts.find((a) => a.state === "solved");
  const usage: UsageEvent = {
    kind: "ended",
    teamId: record.teamId,
    day: dayOf(record.createdAt),
    type: record.type,
    providerId: solvedBy?.providerId ?? currentAttempt(record)?.providerId ?? "none",
    completed: end.status === "completed",
    chargedMicro: chargeMicro,
    solveSeconds: end.status === "completed" ? (now - record.createdAt) / 1000 : 0,
  };
  if (record.callbackUrl) {
    // Queued before the write, like every next step: a worker dying right after the write must not
    // lose the callback. If the write does not land, the message finds the task unfinished and
    // does nothing. The short delay lets the write land first.
    await ctx.queue.send({ kind: "callback", task_id: record.taskId, attempt: 1 }, CALLBACK_FIRST_DELAY_SECONDS).catch((error) => {
      ctx.logger.error("could not queue a callback", { task_id: record.taskId, error: String(error) });
    });
  }
  if (!(await commit(ctx, base, record, money, usage)).ok) return;
  ctx.logger.info("task ended", { task_id: record.taskId, status: record.status, provider: usage.providerId });
}

/** The task with its current attempt replaced (or a new one appended). */
function withAttempt(task: TaskRecord, attempt: Attempt, append = false): TaskRecord {
  const attempts = append ? [...task.attempts, attempt] : [...task.attempts.slice(0, -1), attempt];
  return { ...task, attempts };
}

const deadlineError = (task: TaskRecord) =>
  `Deadline exceeded: no provider answered within ${Math.round((task.deadlineAt - task.createdAt) / 1000)} s` +
  (task.attempts.length ? ` (last error: ${lastError(task)})` : "");

// ── callbacks ──────────────────────────────────────────────────────────────────────────

/** POSTs the result object to the task's callback_url; retried through SQS delays, bounded. */
export async function handleCallbackMessage(ctx: RouterContext, taskId: string, attempt: number): Promise<void> {
  const task = await ctx.tasks.get(taskId);
  if (!task?.callbackUrl || !isFinished(task.status)) return;
  const sent = await ctx.callbacks.post(task.callbackUrl, resultView(task));
  if (sent.ok) return;
  const delay = CALLBACK_DELAYS_SECONDS[attempt - 1];
  ctx.logger.warn("callback failed", { task_id: taskId, attempt, status: sent.status, error: sent.error });
  if (delay === undefined) return; // gave up; the task itself is unchanged
  await ctx.queue.send({ kind: "callback", task_id: taskId, attempt: attempt + 1 }, Math.min(delay, MAX_DELAY_SECONDS));
}

// ── sweeper ────────────────────────────────────────────────────────────────────────────

/** Seconds past its due time after which an unfinished task's step is queued again. */
export const SWEEP_GRACE_SECONDS = 60;

/**
 * Re-queues the current step of every unfinished task that is overdue: a message lost
 * between a database write and a queue send, or a worker that died, never strands a task.
 * A re-queued step that turns out to be a duplicate does nothing.
 */
export async function sweepOverdueTasks(ctx: RouterContext, limit = 500): Promise<number> {
  const overdue = await ctx.tasks.listOverdue(ctx.clock.now() - SWEEP_GRACE_SECONDS * 1000, limit);
  for (const task of overdue) {
    await ctx.queue.send({ kind: "task", task_id: task.taskId, step: task.step }, 0);
  }
  if (overdue.length) ctx.logger.warn("re-queued overdue tasks", { count: overdue.length });
  return overdue.length;
}
