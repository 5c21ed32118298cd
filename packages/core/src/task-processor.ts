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
 * Towards the upstream, submits keep the account's pace and rate-limit answers pause it;
 * answers arrive by pingback where the protocol has one, and the result checks that remain go
 * out batched per account (flow-control.ts, docs/architecture.md "Flow control").
 */
import type { Fault, PollOutcome, ProviderAdapter, Solution, UpstreamError } from "./adapter.ts";
import { monthOf } from "./budget.ts";
import { callbackEventId } from "./callback-url.ts";
import { commit } from "./commit.ts";
import type { RouterContext } from "./context.ts";
import { newPingbackToken, parsePingbackToken, pingbackReady, pingbackUrl, submitPace, tokensEqual } from "./flow-control.ts";
import type { MoneyMove, ProviderState, WorkMessage } from "./ports.ts";
import type { Provider } from "./providers.ts";
import { paceQueueSeconds, route, unavailableUntil } from "./routing.ts";
import {
  attemptWindowSeconds,
  firstWaitSeconds,
  gridDelaySeconds,
  MAX_DELAY_SECONDS,
  MAX_RESULT_REQUESTS,
  nextPollDelaySeconds,
  POLL_INTERVAL_SECONDS,
  SAFETY_NET_INTERVAL_SECONDS,
  safetyNetFirstWaitSeconds,
} from "./schedule.ts";
import { servingProvider, taskEffects } from "./task-effects.ts";
import { finished } from "./task-service.ts";
import { callbackBody } from "./facade-ids.ts";
import { adminFacingError, teamFacingCode, teamFacingError, teamFacingMessage } from "./team-facing-error.ts";
import { currentAttempt, isFinished, type Attempt, type TaskRecord } from "./task.ts";
import type { TaskType } from "./task-types.ts";

/** Consecutive transient errors (5xx, timeouts) on one provider before it cools down. */
export const MAX_TRANSIENT_ERRORS = 2;
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
/** The first callback POST goes out as soon as the task ends. */
export const CALLBACK_FIRST_DELAY_SECONDS = 0;

/** Times a message that arrives before its step's write is put back before it is dropped. */
const MAX_EARLY_RETURNS = 5;
/** A pace slot this close is taken at once; a later one waits in an SQS delay. */
const PACE_TOLERANCE_MS = 1000;
/** A pace wait longer than this is written down (dueAt), so the sweeper does not re-queue the task meanwhile. */
const PACE_RESEND_MAX_SECONDS = 20;
/** Margin for the upstream's answer to a submit before the first result check is counted from it. */
const SUBMIT_LATENCY_MARGIN_MS = 1000;
/** Captchas per batched result request (`ids=`). */
export const MAX_BATCH_POLL = 100;

type TaskMessage = Extract<WorkMessage, { kind: "task" }>;

/**
 * A batch of queue messages, as the worker receives them: every step runs concurrently, and the
 * result checks that come due together for one provider account go out as one batched request
 * where the protocol has one. One outcome per message, in order (the worker reports failures).
 */
export async function handleWorkMessages(ctx: RouterContext, messages: readonly WorkMessage[]): Promise<PromiseSettledResult<void>[]> {
  const checks: { index: number; check: ClaimedCheck }[] = [];
  const results = await Promise.allSettled(
    messages.map(async (message, index) => {
      if (message.kind === "callback") return handleCallbackMessage(ctx, message.task_id, message.attempt, message.early);
      const check = await stepTask(ctx, message);
      if (check) checks.push({ index, check });
    }),
  );
  const byProvider = new Map<string, typeof checks>();
  for (const entry of checks) byProvider.set(entry.check.provider.id, [...(byProvider.get(entry.check.provider.id) ?? []), entry]);
  await Promise.all(
    [...byProvider.values()].flatMap((group) =>
      chunks(group, MAX_BATCH_POLL).map(async (chunk) => {
        const outcomes = await askUpstream(chunk.map((c) => c.check));
        const settled = await Promise.allSettled(chunk.map((c, i) => finishCheck(ctx, c.check, outcomes[i]!)));
        settled.forEach((result, i) => (results[chunk[i]!.index] = result));
      }),
    ),
  );
  return results;
}

/** One task message on its own (tests and single deliveries). */
export async function handleTaskMessage(ctx: RouterContext, taskId: string, step: number, early = 0): Promise<void> {
  const [result] = await handleWorkMessages(ctx, [{ kind: "task", task_id: taskId, step, ...(early ? { early } : {}) }]);
  if (result?.status === "rejected") throw result.reason;
}

/** Runs one task step; a result check that is due comes back claimed, for the batch to ask. */
async function stepTask(ctx: RouterContext, message: TaskMessage): Promise<ClaimedCheck | undefined> {
  const { task_id: taskId, step } = message;
  const early = message.early ?? 0;
  const task = await ctx.tasks.get(taskId);
  if (task && !isFinished(task.status) && task.step === step - 1 && early < MAX_EARLY_RETURNS) {
    // The next step is queued just before the write that moves the task to it: this message
    // overtook that write. Come back shortly rather than drop it (if the write never lands,
    // the message of the current step is redelivered by SQS, or re-queued by the sweeper).
    await ctx.queue.send({ ...message, early: early + 1 }, 1);
    return;
  }
  if (!task || isFinished(task.status) || task.step !== step) return; // duplicate or stale
  const now = ctx.clock.now();
  if (now >= task.deadlineAt) {
    await endTask(ctx, task, task, { status: "failed", error: deadlineError(task) });
    return;
  }
  const attempt = currentAttempt(task);
  if (attempt?.state === "polling") return claimCheck(ctx, task, attempt);
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
    await submit(ctx, lost, task);
    return;
  }
  await submit(ctx, task, task, message.slot);
}

// ── submit ─────────────────────────────────────────────────────────────────────────────

/**
 * Submits `task` (what `base`, the stored record, is becoming) to the best provider now, at the
 * provider account's pace: `slot` is a submit slot this step already holds.
 */
async function submit(ctx: RouterContext, task: TaskRecord, base: TaskRecord, slot?: TaskMessage["slot"]): Promise<void> {
  const now = ctx.clock.now();
  const states = await ctx.providerStates.list();
  const choice = chooseProvider(ctx, task, now, states);
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

  const pace = submitPace(ctx, provider);
  if (pace && slot?.provider !== provider.id) {
    const at = await ctx.providerStates.reserveSubmitSlot(provider.id, 1000 / pace, now);
    if (at > now + PACE_TOLERANCE_MS) {
      // The account's pace is taken up to `at`: this submit goes out then, whoever asks meanwhile.
      const held = { provider: provider.id, at };
      const delay = Math.ceil((at - now) / 1000);
      if (delay <= PACE_RESEND_MAX_SECONDS) await ctx.queue.send({ kind: "task", task_id: task.taskId, step: base.step, slot: held }, delay);
      else await reschedule(ctx, task, base, at, held);
      return;
    }
  }

  const payload = await ctx.tasks.getPayload(task.taskId);
  if (!payload) throw new Error(`task ${task.taskId} has no payload`);
  const pingbackToken = adapter.poll && (await pingbackReady(ctx, provider, adapter, states.find((s) => s.providerId === provider.id)))
    ? newPingbackToken()
    : undefined;

  // Failing over to a pricier provider takes the difference from the balance (and the month's
  // budget), atomically with the claim.
  const extra = Math.max(0, priceMicro - task.reservedMicro);
  const firstCheckMs = now + SUBMIT_LATENCY_MARGIN_MS + firstCheckSeconds(task.type, provider, pingbackToken !== undefined) * 1000;
  const waitSeconds = byDeadline(task, now, adapter.poll ? gridDelaySeconds(now, firstCheckMs) : SYNC_SUBMIT_RECHECK_SECONDS);
  const attempt: Attempt = {
    providerId: provider.id,
    state: "submitting",
    startedAt: now,
    polls: 0,
    retries: 0,
    priceMicro,
    ...(pingbackToken ? { pingbackToken } : {}),
  };
  const claim: TaskRecord = {
    ...withAttempt(task, attempt, true),
    step: base.step + 1,
    dueAt: now + waitSeconds * 1000,
    reservedMicro: task.reservedMicro + extra,
    routing: task.attempts.length === 0 ? task.routing : { providerId: provider.id, reason: choice.reason },
  };
  await ctx.queue.send({ kind: "task", task_id: task.taskId, step: claim.step }, waitSeconds);
  const claimed = await commit(ctx, base, claim, extra > 0 ? await extraReservation(ctx, task, extra) : undefined);
  if (!claimed.ok && (claimed.reason === "insufficient_credits" || claimed.reason === "over_budget")) {
    // Cannot afford this provider (credits or the month's budget): stay within what is already reserved.
    const capped = { ...task, maxPriceMicro: Math.min(task.maxPriceMicro ?? Infinity, task.reservedMicro) };
    const retry = chooseProvider(ctx, capped, now, states);
    if (retry.kind === "provider" && retry.priceMicro <= task.reservedMicro) return submit(ctx, capped, base);
    const error =
      claimed.reason === "over_budget"
        ? "Monthly budget exceeded: the task could not move to a pricier provider; nothing was charged"
        : "Insufficient credits to move the task to another provider";
    await endTask(ctx, task, base, { status: "failed", error });
    return;
  }
  if (!claimed.ok) return; // a duplicate message got here first

  const context = {
    priority: task.priority,
    ...(pingbackToken && ctx.publicUrl ? { pingbackUrl: pingbackUrl(ctx.publicUrl, task.taskId, pingbackToken) } : {}),
  };
  const outcome = await adapter.submit(provider, payload, context);
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

/** Seconds from a submit to its first result check: the document's wait, or the safety net's with a pingback coming. */
function firstCheckSeconds(type: TaskType, provider: Provider, pingback: boolean): number {
  if (!pingback) return firstWaitSeconds(type);
  return safetyNetFirstWaitSeconds(type, provider.tasks[type]?.solveSeconds ?? firstWaitSeconds(type));
}

/** A failover's extra reservation, held to the team's monthly budget like the first one. */
async function extraReservation(ctx: RouterContext, task: TaskRecord, extra: number): Promise<MoneyMove> {
  const limitMicro = (await ctx.teams.getTeam(task.teamId))?.monthlyBudgetMicro;
  return { reserveMicro: extra, ...(limitMicro !== undefined ? { budget: { month: monthOf(task.createdAt), limitMicro } } : {}) };
}

type ProviderChoice =
  | { kind: "provider"; provider: Provider; priceMicro: number; reason: string }
  | { kind: "wait"; untilMs: number }
  | { kind: "none"; reason: string };

function chooseProvider(ctx: RouterContext, task: TaskRecord, now: number, states: readonly ProviderState[]): ProviderChoice {
  const exclude = new Set(task.attempts.filter((a) => a.state === "failed" && excludedAfter(a)).map((a) => a.providerId));
  const planned = ctx.providers.find((p) => p.id === task.routing.providerId);
  const plannedState = states.find((s) => s.providerId === planned?.id);
  if (
    task.attempts.length === 0 &&
    planned?.enabled &&
    planned.tasks[task.type] &&
    unavailableUntil(plannedState, now) === undefined &&
    paceQueueSeconds(plannedState, now) <= PACE_RESEND_MAX_SECONDS
  ) {
    // The provider chosen (and priced) when the task was accepted — unless its pace queue grew
    // long since: then routing weighs that wait against the other providers.
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

/** A provider that failed a task for a reason other than a passing hiccup or a rate limit is not tried again. */
const excludedAfter = (attempt: Attempt) => !attempt.error?.startsWith("retry:") && !attempt.error?.startsWith("wait:");

const lastError = (task: TaskRecord) =>
  (task.attempts.findLast((a) => a.error)?.error ?? "no answer").replace(/^(retry|wait): /, "");

// ── result checks ──────────────────────────────────────────────────────────────────────

/** A result check claimed (counted and its successor queued), ready to be asked upstream. */
interface ClaimedCheck {
  task: TaskRecord;
  attempt: Attempt;
  provider: Provider;
  adapter: ProviderAdapter;
  windowOver: boolean;
}

async function claimCheck(ctx: RouterContext, task: TaskRecord, attempt: Attempt): Promise<ClaimedCheck | undefined> {
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
  const pingback = attempt.pingbackToken !== undefined;
  // The first wait counts from when the upstream accepted the captcha, later ones from the last
  // result request; the step's message was queued before those, so it can arrive a little early.
  const notBefore =
    attempt.polls === 0 || attempt.lastPollAt === undefined
      ? (attempt.acceptedAt ?? attempt.startedAt) + firstCheckSeconds(task.type, provider, pingback) * 1000
      : attempt.lastPollAt + POLL_INTERVAL_SECONDS * 1000;
  const pausedUntil = unavailableUntil((await ctx.providerStates.list()).find((s) => s.providerId === provider.id), now);
  const askAt = Math.max(notBefore, pausedUntil !== undefined && !windowOver ? pausedUntil : 0);
  if (now < askAt) {
    await ctx.queue.send({ kind: "task", task_id: task.taskId, step: task.step }, byDeadline(task, now, gridDelaySeconds(now, askAt)));
    return;
  }
  const nextIn = pingback
    ? SAFETY_NET_INTERVAL_SECONDS
    : nextPollDelaySeconds(task.type, attempt.polls + 1, attempt.startedAt, now);
  const delay = byDeadline(task, now, gridDelaySeconds(now, now + nextIn * 1000));
  const claim: TaskRecord = {
    ...withAttempt(task, { ...attempt, polls: attempt.polls + 1, lastPollAt: now }),
    step: task.step + 1,
    dueAt: now + delay * 1000,
  };
  await ctx.queue.send({ kind: "task", task_id: task.taskId, step: claim.step }, delay);
  const claimed = await commit(ctx, task, claim);
  if (!claimed.ok) return; // a duplicate message got here first
  return { task: claimed.task, attempt: currentAttempt(claimed.task)!, provider, adapter, windowOver };
}

/** Asks the upstream about claimed checks of one provider account: one request where the protocol batches. */
async function askUpstream(checks: readonly ClaimedCheck[]): Promise<PollOutcome[]> {
  const { provider, adapter } = checks[0]!;
  if (adapter.pollMany && checks.length > 1) {
    return adapter.pollMany(provider, checks.map((c) => ({ upstreamId: c.attempt.upstreamId!, type: c.task.type })));
  }
  const poll = adapter.poll!; // claimCheck only claims checks for protocols that poll
  return Promise.all(checks.map((c) => poll.call(adapter, provider, c.attempt.upstreamId!, c.task.type)));
}

async function finishCheck(ctx: RouterContext, check: ClaimedCheck, outcome: PollOutcome): Promise<void> {
  const { task: polled, attempt: current, windowOver } = check;
  if (outcome.kind === "solved") {
    await complete(ctx, polled, current, outcome.solution);
    return;
  }
  if (outcome.kind === "error" && outcome.error.fault === "rate_limited") {
    // The account must slow down: pause it; this captcha's next check is already queued and
    // waits for the pause to end (claimCheck). Nothing counts against the provider.
    await pauseProvider(ctx, current.providerId, outcome.error);
    return;
  }
  if (windowOver && (outcome.kind === "not_ready" || outcome.error.fault === "retry")) {
    const message = `No answer after ${current.polls} result requests`;
    await attemptFailed(ctx, polled, current, { fault: "unsolvable", code: "NO_ANSWER", message }, "poll");
    return;
  }
  if (outcome.kind === "not_ready") {
    if (current.retries > 0) await commit(ctx, polled, withAttempt(polled, { ...current, retries: 0 }));
    return; // the next check is already queued
  }
  if (outcome.error.fault === "retry" && current.retries + 1 <= MAX_TRANSIENT_ERRORS) {
    // A passing upstream hiccup while it holds the captcha: count it; the next check is queued.
    await commit(ctx, polled, withAttempt(polled, { ...current, retries: current.retries + 1 }));
    return;
  }
  await attemptFailed(ctx, polled, current, outcome.error, "poll");
}

// ── pingback ───────────────────────────────────────────────────────────────────────────

export type PingbackResult = "accepted" | "unknown";

/**
 * An upstream's pingback for `segment` (`<task id>.<token>`, flow-control.ts): accepted only for
 * the attempt that owns the token and only with that attempt's captcha id; the task completes
 * at once. Anything else (a wrong token or id, a replay, a task that has ended) is "unknown"
 * and changes nothing.
 */
export async function handlePingback(ctx: RouterContext, segment: string, answer: { id: string; code: string }): Promise<PingbackResult> {
  const parsed = parsePingbackToken(segment);
  if (!parsed) return "unknown";
  for (let tries = 0; tries < 3; tries++) {
    const task = await ctx.tasks.get(parsed.taskId);
    const attempt = task && currentAttempt(task);
    if (!task || isFinished(task.status) || attempt?.state !== "polling" || !attempt.pingbackToken) return "unknown";
    if (!tokensEqual(parsed.token, attempt.pingbackToken) || attempt.upstreamId !== answer.id) return "unknown";
    const provider = ctx.providers.find((p) => p.id === attempt.providerId);
    const adapter = provider && ctx.adapters[provider.protocol];
    if (!adapter?.readPingback) return "unknown";
    const outcome = adapter.readPingback(task.type, answer.code);
    if (outcome.kind === "not_ready") return "unknown";
    if (outcome.kind === "error") {
      await attemptFailed(ctx, task, attempt, outcome.error, "poll");
      return "accepted";
    }
    // The pingback's own request posts the callback at once (a failed POST queues the retries): the
    // team hears of the answer within the same moment, and no queue message is spent on it.
    if (await complete(ctx, task, attempt, outcome.solution, "inline")) return "accepted";
    // A result check moved the task on meanwhile: read it again and retry.
  }
  return "unknown";
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
  if (error.fault === "rate_limited") return rateLimited(ctx, task, attempt, error);
  let fault: Fault = error.fault;
  const sameProviderRetries = countTrailingRetries(task, attempt.providerId);
  if (fault === "retry" && during === "submit") {
    if (sameProviderRetries + 1 >= MAX_TRANSIENT_ERRORS) fault = "cooldown";
  } else if (fault === "retry") {
    fault = "cooldown"; // repeated errors while polling: the provider is in trouble
  }
  if (fault === "cooldown") {
    const seconds = error.fault === "cooldown" ? (error.waitSeconds ?? 300) : TRANSIENT_COOLDOWN_SECONDS;
    await ctx.providerStates.setCooldown(attempt.providerId, now + seconds * 1000, adminFacingError(error));
    ctx.logger.warn("provider cooling down", { provider: attempt.providerId, code: error.code, seconds });
    ctx.metrics?.cooldownStarted(attempt.providerId, seconds, error.code);
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
    error: fault === "retry" ? `retry: ${teamFacingCode(error)}` : teamFacingError(error),
  };
  if (fault === "bad_request") {
    await endTask(ctx, withAttempt(task, failedAttempt), task, { status: "failed", error: teamFacingMessage(error) });
    return;
  }
  // Back to pending: the next step submits again (same provider after a wait, or the next one).
  const wait = fault === "retry" ? Math.max(POLL_INTERVAL_SECONDS, error.waitSeconds ?? POLL_INTERVAL_SECONDS) : 0;
  await reschedule(ctx, { ...withAttempt(task, failedAttempt), status: "pending" }, task, now + wait * 1000);
}

/**
 * The upstream asked the account to slow down: the account pauses for the time it names (for
 * every worker), and the task waits for it — or moves now to a provider that is free and no
 * pricier. Never a failure, never counted against the provider.
 */
async function rateLimited(ctx: RouterContext, task: TaskRecord, attempt: Attempt, error: UpstreamError): Promise<void> {
  const now = ctx.clock.now();
  const until = await pauseProvider(ctx, attempt.providerId, error);
  const waiting: Attempt = { ...attempt, state: "failed", endedAt: now, error: `wait: ${error.code}` };
  const next: TaskRecord = { ...withAttempt(task, waiting), status: "pending" };
  const exclude = new Set([...next.attempts.filter((a) => a.state === "failed" && excludedAfter(a)).map((a) => a.providerId), attempt.providerId]);
  const other = route(
    { type: task.type, priority: task.priority, exclude, ...(task.maxPriceMicro !== undefined ? { maxPriceMicro: task.maxPriceMicro } : {}) },
    ctx.providers,
    await ctx.providerStates.list(),
    { nowMs: now },
  );
  // Waiting is worth it while an attempt after the pause still leaves room for a failover.
  const window = attemptWindowSeconds(task.type) * 1000;
  const waitLeavesRoom = until + 2 * window <= task.deadlineAt;
  const moveNow = other.kind === "routed" && (other.priceMicro < attempt.priceMicro || !waitLeavesRoom);
  await reschedule(ctx, next, task, moveNow ? now : until);
}

/** Pauses a provider account after a rate-limit answer; when the pause ends. */
async function pauseProvider(ctx: RouterContext, providerId: string, error: UpstreamError): Promise<number> {
  const seconds = error.waitSeconds ?? POLL_INTERVAL_SECONDS;
  const until = ctx.clock.now() + seconds * 1000;
  await ctx.providerStates.setPause(providerId, until, `${error.code}: ${error.message}`);
  ctx.logger.warn("provider paused", { provider: providerId, code: error.code, seconds });
  return until;
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
  ctx.metrics?.cooldownStarted(providerId, FAILING_COOLDOWN_SECONDS, "MOSTLY_UNSOLVABLE");
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
async function reschedule(ctx: RouterContext, next: TaskRecord, base: TaskRecord, atMs: number, slot?: TaskMessage["slot"]) {
  const now = ctx.clock.now();
  const delay = byDeadline(next, now, Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((atMs - now) / 1000))));
  const record: TaskRecord = { ...next, step: base.step + 1, dueAt: now + delay * 1000 };
  await ctx.queue.send({ kind: "task", task_id: record.taskId, step: record.step, ...(slot ? { slot } : {}) }, delay);
  await commit(ctx, base, record);
}

/**
 * The upstream answered: charge and end the task; false when another write got there first. The
 * solved attempt reaches the provider's observed figures from the task's own write (the books,
 * task-effects.ts), batched with the others.
 */
async function complete(ctx: RouterContext, task: TaskRecord, attempt: Attempt, solution: Solution, callback: "queued" | "inline" = "queued"): Promise<boolean> {
  const now = ctx.clock.now();
  const charge = Math.min(attempt.priceMicro, task.reservedMicro);
  const solvedAttempt: Attempt = { ...attempt, state: "solved", endedAt: now };
  return endTask(ctx, withAttempt(task, solvedAttempt), task, { status: "completed", solution, chargeMicro: charge }, callback);
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
  callback: "queued" | "inline" = "queued",
): Promise<boolean> {
  const now = ctx.clock.now();
  const chargeMicro = end.status === "completed" ? end.chargeMicro : 0;
  const record: TaskRecord = {
    ...finished(next, now, end.status, end.status === "failed" ? end.error : undefined),
    ...(end.status === "completed" ? { solution: end.solution, chargedMicro: chargeMicro } : {}),
  };
  const money: MoneyMove = { chargeMicro, releaseMicro: base.reservedMicro - chargeMicro };
  if (record.callbackUrl && callback === "queued") {
    // Queued before the write, like every next step: a worker dying right after the write must not
    // lose the callback. A message that overtakes the write comes back shortly (handleCallbackMessage).
    await ctx.queue.send({ kind: "callback", task_id: record.taskId, attempt: 1 }, CALLBACK_FIRST_DELAY_SECONDS).catch((error) => {
      ctx.logger.error("could not queue a callback", { task_id: record.taskId, error: String(error) });
    });
  }
  const written = await commit(ctx, base, record, money);
  if (!written.ok) return false;
  ctx.logger.info("task ended", { task_id: record.taskId, status: record.status, provider: servingProvider(record) });
  const [ended] = taskEffects(base, record).usage;
  if (ended) ctx.metrics?.taskEnded(ended);
  if (record.callbackUrl && callback === "inline") await postCallback(ctx, written.task, 1);
  return true;
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

/** POSTs the result object (or a facade's format) to the task's callback_url; retried through SQS delays, bounded. */
export async function handleCallbackMessage(ctx: RouterContext, taskId: string, attempt: number, early = 0): Promise<void> {
  const task = await ctx.tasks.get(taskId);
  if (task?.callbackUrl && !isFinished(task.status) && attempt === 1 && early < MAX_EARLY_RETURNS) {
    // Queued just before the write that ends the task, and sent at once: it can overtake that write.
    await ctx.queue.send({ kind: "callback", task_id: taskId, attempt, early: early + 1 }, 1);
    return;
  }
  if (!task?.callbackUrl || !isFinished(task.status)) return;
  await postCallback(ctx, task, attempt);
}

/** One POST of an ended task's callback; a failure queues the next try (5, 15, 60, 180, 600 s later). */
async function postCallback(ctx: RouterContext, task: TaskRecord, attempt: number): Promise<void> {
  const sent = await ctx.callbacks.post(task.callbackUrl!, callbackBody(task), { teamId: task.teamId, eventId: callbackEventId(task) });
  if (sent.ok) return;
  const delay = CALLBACK_DELAYS_SECONDS[attempt - 1];
  ctx.logger.warn("callback failed", { task_id: task.taskId, attempt, status: sent.status, error: sent.error });
  if (delay === undefined) return; // gave up; the task itself is unchanged
  await ctx.queue.send({ kind: "callback", task_id: task.taskId, attempt: attempt + 1 }, Math.min(delay, MAX_DELAY_SECONDS));
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

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
