/**
 * A task as the router keeps it, and the views the API shows of it.
 *
 * Lifecycle: pending (accepted, credits reserved, waiting for a worker to submit it)
 *   → processing (an upstream has it) → completed | failed.
 * A failed upstream attempt sends the task back to pending for the next provider while its
 * deadline allows. `step` numbers the worker messages: a message whose step is not the task's
 * current step is a duplicate or a stale retry and does nothing. `version` guards every write.
 */
import { solutionView, type Solution } from "./adapter.ts";
import { isoTime } from "./clock.ts";
import { microToCredits, type Micro } from "./money.ts";
import type { Priority, TaskType } from "./task-types.ts";

export const TASK_STATUSES = ["pending", "processing", "completed", "failed"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const isFinished = (status: TaskStatus): boolean => status === "completed" || status === "failed";

export interface Attempt {
  providerId: string;
  /** submitting: claimed, the upstream call may or may not have happened; polling: upstream has it. */
  state: "submitting" | "polling" | "solved" | "failed";
  startedAt: number;
  /** When the upstream accepted the captcha (its first wait counts from here). */
  acceptedAt?: number;
  /** When the last result request was claimed (the next comes at least 5 s later). */
  lastPollAt?: number;
  upstreamId?: string;
  /** The secret part of this attempt's pingback URL (flow-control.ts); absent when the upstream is polled. */
  pingbackToken?: string;
  polls: number;
  /** Transient errors (no slot, 5xx...) met so far on this attempt. */
  retries: number;
  priceMicro: Micro;
  endedAt?: number;
  error?: string;
}

export interface RoutingDecision {
  providerId: string;
  reason: string;
}

export interface TaskRecord {
  taskId: string;
  teamId: string;
  type: TaskType;
  priority: Priority;
  status: TaskStatus;
  step: number;
  version: number;
  createdAt: number;
  updatedAt: number;
  /** When the current step's message should be handled (the sweeper re-sends overdue ones). */
  dueAt: number;
  deadlineAt: number;
  completedAt?: number;
  /** Credits this task holds now (reserved at submit, released or charged at the end). */
  reservedMicro: Micro;
  chargedMicro?: Micro;
  /** Given back after a reportbad the upstream accepted (chargedMicro is then 0). */
  refundedMicro?: Micro;
  maxPriceMicro?: Micro;
  /** The UTC month (YYYY-MM) whose budget this task counts against, when the team has one. */
  budgetMonth?: string;
  callbackUrl?: string;
  /** "twocaptcha": the callback is a 2Captcha pingback (facade-ids.ts callbackBody). */
  callbackFormat?: "twocaptcha";
  idempotencyKey?: string;
  routing: RoutingDecision;
  attempts: Attempt[];
  solution?: Solution;
  error?: string;
  report?: "good" | "bad";
}

export const currentAttempt = (task: TaskRecord): Attempt | undefined => task.attempts[task.attempts.length - 1];

const seconds = (ms: number) => Math.round(ms / 10) / 100;

/** GET /v2/solver/result/{task_id}: the SmartCaptcha's documentation fields plus the router's own. */
export function resultView(task: TaskRecord) {
  const solution = task.solution ? solutionView(task.solution) : null;
  const solvedAttempt = task.attempts.find((attempt) => attempt.state === "solved");
  return {
    task_id: task.taskId,
    status: task.status,
    captcha_type: task.type,
    solution,
    coordinates: task.solution?.kind === "coordinates" ? task.solution.coordinates : null,
    verify: task.solution?.kind === "token" ? task.solution.token : null,
    bounding_box: null,
    processing_time: task.completedAt !== undefined ? seconds(task.completedAt - task.createdAt) : null,
    credits_used: task.chargedMicro !== undefined ? microToCredits(task.chargedMicro) : null,
    error: task.error ?? null,
    refunded: task.refundedMicro !== undefined ? microToCredits(task.refundedMicro) : null,
    provider: solvedAttempt?.providerId ?? currentAttempt(task)?.providerId ?? null,
    routing: task.routing.reason,
    priority: task.priority,
    attempts: task.attempts.map((attempt) => ({
      provider: attempt.providerId,
      state: attempt.state,
      started_at: isoTime(attempt.startedAt),
      ended_at: attempt.endedAt !== undefined ? isoTime(attempt.endedAt) : null,
      result_requests: attempt.polls,
      error: attempt.error ?? null,
    })),
    created_at: isoTime(task.createdAt),
    completed_at: task.completedAt !== undefined ? isoTime(task.completedAt) : null,
    report: task.report ?? null,
  };
}

/** One line of GET /v2/solver/tasks. */
export const taskSummaryView = (task: TaskRecord) => ({
  task_id: task.taskId,
  status: task.status,
  captcha_type: task.type,
  credits_used: task.chargedMicro !== undefined ? microToCredits(task.chargedMicro) : null,
  created_at: isoTime(task.createdAt),
});
