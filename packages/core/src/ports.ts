/**
 * The interfaces the edges implement: DynamoDB (packages/functions/src/aws) in Lambda and
 * locally, in-memory fakes in core's unit tests.
 */
import type { Micro } from "./money.ts";
import type { TaskRecord, TaskStatus } from "./task.ts";
import type { TaskType, UnifiedTask } from "./task-types.ts";

export interface Team {
  teamId: string;
  name: string;
  /** What the team can still spend: reservations are already taken off. */
  balanceMicro: Micro;
  /** What unfinished tasks hold. */
  reservedMicro: Micro;
  /** Everything charged so far. balance + reserved + charged = credited, always. */
  chargedMicro: Micro;
  /** Everything ever credited (initial credits and top-ups). */
  creditedMicro: Micro;
  createdAt: number;
  /** Optional cap on what the team's tasks may take per UTC calendar month. */
  monthlyBudgetMicro?: Micro;
  /** A suspended team's keys are refused (401 Team suspended); its unfinished tasks still finish. */
  suspended?: boolean;
}

/** Credits taken back from a team (a negative top-up). */
export type TakeBackResult = { kind: "ok"; team: Team } | { kind: "no_team" } | { kind: "short"; balanceMicro: Micro };

/** A team's monthly budget as a submit must respect it. */
export interface BudgetLimit {
  /** YYYY-MM (UTC) of the task's creation. */
  month: string;
  limitMicro: Micro;
}

/**
 * Money moving with a task transition, applied to the team's item in the same transaction.
 *  - reserveMicro: taken from the balance into the reservation (fails if the balance is short)
 *  - chargeMicro:  taken from the reservation for good
 *  - releaseMicro: given back from the reservation to the balance
 */
export interface MoneyMove {
  reserveMicro?: Micro;
  chargeMicro?: Micro;
  releaseMicro?: Micro;
  /** refundMicro: given back from what was charged (a reportbad the upstream accepted). */
  refundMicro?: Micro;
  /**
   * The team's monthly budget, when a reservation must respect it (a failover to a pricier
   * provider): the month's counter may not pass it, or the move fails with "over_budget".
   */
  budget?: BudgetLimit;
}

/**
 * A task's contribution to the usage rollups (task-effects.ts derives it from the task's change):
 * "ended" counts the task and what it was charged; "refund" takes a refunded charge back out
 * (same day and row).
 */
export interface UsageEvent {
  kind: "ended" | "refund";
  teamId: string;
  day: string; // YYYY-MM-DD, UTC
  type: TaskType;
  providerId: string; // "none" when no provider was reached
  completed: boolean;
  chargedMicro: Micro;
  solveSeconds: number;
}

export type CreateTaskResult =
  | { kind: "created"; task: TaskRecord }
  | { kind: "duplicate"; task: TaskRecord }
  | { kind: "insufficient_credits"; needMicro: Micro; haveMicro: Micro }
  | { kind: "over_budget"; needMicro: Micro; usedMicro: Micro; limitMicro: Micro }
  | { kind: "no_team" };

export type TransitionResult = "ok" | "conflict" | "insufficient_credits" | "over_budget";

export interface TaskListQuery {
  limit: number;
  offset: number;
  cursor?: string;
  status?: TaskStatus;
}

export interface TaskStore {
  /**
   * Reserves the task's price, counts it against the team's month (conditional on the budget
   * when there is one) and writes the task (and its Idempotency-Key), in one transaction.
   */
  create(task: TaskRecord, payload: UnifiedTask, budget?: BudgetLimit): Promise<CreateTaskResult>;
  get(taskId: string): Promise<TaskRecord | undefined>;
  getPayload(taskId: string): Promise<UnifiedTask | undefined>;
  /**
   * The team's tasks, newest first: from `cursor` (a previous page's nextCursor) or after skipping
   * `offset`; `total` counts the team's tasks (of that status) without reading them.
   */
  list(teamId: string, query: TaskListQuery): Promise<{ total: number; tasks: TaskRecord[]; nextCursor?: string }>;
  /** Deletes a finished task; false if it was not finished (or not there) any more. */
  delete(task: TaskRecord): Promise<boolean>;
  /**
   * Replaces `prev` by `next` if the stored version is still prev.version (next.version must be
   * prev.version + 1), moving money in the same write. What the change means for the usage
   * rollups, the ledger and the task counts (task-effects.ts) follows from the change itself.
   */
  transition(prev: TaskRecord, next: TaskRecord, money?: MoneyMove): Promise<TransitionResult>;
  /** Unfinished tasks whose current step is due before `beforeMs`, oldest first. */
  listOverdue(beforeMs: number, limit: number): Promise<TaskRecord[]>;
}

export interface TeamStore {
  createTeam(input: { name: string; creditsMicro: Micro; apiKeyHash: string; keyPrefix: string; callbackSecret?: string }): Promise<Team>;
  /**
   * The team. `settled`: with every task's charge already moved from `reserved` to `charged`
   * (that move follows a task's end through the books, docs/architecture.md "Money and usage");
   * without it the read is the fastest one (authentication), `balance` exact either way.
   */
  getTeam(teamId: string, options?: { settled?: boolean }): Promise<Team | undefined>;
  listTeams(): Promise<Team[]>;
  teamIdForKeyHash(hash: string): Promise<string | undefined>;
  addCredits(teamId: string, amountMicro: Micro): Promise<Team | undefined>;
  addKey(teamId: string, input: { apiKeyHash: string; keyPrefix: string }): Promise<boolean>;
  /** The team's live keys: their prefixes and when they were issued (never the keys). */
  listKeys(teamId: string): Promise<{ keyPrefix: string; createdAt: string }[]>;
  /** Revokes the team's keys whose prefix matches; the number revoked. */
  revokeKey(teamId: string, keyPrefix: string): Promise<number>;
  /** The team's ledger lines with fromDay ≤ day ≤ toDay (UTC), oldest first, at most `limit`. */
  ledger(teamId: string, query: { fromDay: string; toDay: string; limit: number }): Promise<LedgerEntry[]>;
  /** Sets (or, with undefined, removes) the monthly budget. */
  setMonthlyBudget(teamId: string, limitMicro: Micro | undefined): Promise<Team | undefined>;
  /** What the team's tasks created in `month` (YYYY-MM) hold or were charged. */
  monthUsed(teamId: string, month: string): Promise<Micro>;
  /**
   * Takes `amountMicro` (> 0) back from the team's balance, never from what its unfinished tasks
   * hold: "short" when the balance is smaller, and then nothing moves.
   */
  takeBackCredits(teamId: string, amountMicro: Micro): Promise<TakeBackResult>;
  /** Suspends or resumes the team; undefined if there is no such team. */
  setSuspended(teamId: string, suspended: boolean): Promise<Team | undefined>;
  /** Replaces the team's callback signing secret; false if there is no such team. */
  setCallbackSecret(teamId: string, secret: string): Promise<boolean>;
  /** The team's callback signing secret (only the callback sender reads it). */
  getCallbackSecret(teamId: string): Promise<string | undefined>;
}

/**
 * One line of a team's ledger: credits added (team creation, top-ups), a task's charge, or a
 * refund (a reportbad the upstream recorded). Written in the same transaction as the money move.
 */
export interface LedgerEntry {
  at: number;
  kind: "credit" | "charge" | "refund";
  /** Signed: credits and refunds add to the balance, charges take from it (negative). */
  amountMicro: Micro;
  taskId?: string;
  taskType?: TaskType;
  providerId?: string;
}

/** One usage rollup: a team's tasks of one type on one provider on one UTC day. */
export interface UsageRollup {
  teamId: string;
  day: string;
  type: TaskType;
  providerId: string;
  tasks: number;
  completed: number;
  failed: number;
  chargedMicro: Micro;
  solveSecondsTotal: number;
  /** Completed tasks by solve time (solve-time-histogram.ts buckets). */
  solveHistogram: number[];
}

export interface UsageStore {
  /** Rollups with fromDay ≤ day ≤ toDay (YYYY-MM-DD), for one team or (teamId undefined) all. */
  query(input: { teamId?: string; fromDay: string; toDay: string }): Promise<UsageRollup[]>;
}

/** Shared provider state: cooldowns and what the router has observed (shared by every worker). */
export interface ProviderObservation {
  attempts: number;
  solved: number;
  unsolvable: number;
  errors: number;
  solveSecondsTotal: number;
  reportsGood: number;
  reportsBad: number;
}

export interface ProviderState {
  providerId: string;
  cooldownUntil?: number;
  cooldownReason?: string;
  /** The upstream asked the account to slow down (a rate-limit answer): no new submits until then. */
  pausedUntil?: number;
  pauseReason?: string;
  /** The pingback address registered with the account, or why registration failed. */
  pingback?: { address: string; registered: boolean; at: number };
  /** The account's next free submit slot under its pace: a new submit queues until then (routing counts the wait). */
  paceFreeAt?: number;
  observed: Partial<Record<TaskType, ProviderObservation>>;
}

export type AttemptResult =
  | { kind: "solved"; solveSeconds: number }
  | { kind: "unsolvable" }
  | { kind: "error" };

export interface ProviderStateStore {
  /**
   * Cooldowns, and per provider and type what was observed in the observation window
   * (observations.ts). A store may answer from a cache a few seconds old; `fresh` reads the
   * table (admin views, which must show what the workers just wrote).
   */
  list(options?: { fresh?: boolean }): Promise<ProviderState[]>;
  setCooldown(providerId: string, untilMs: number, reason: string): Promise<void>;
  /** Pauses the account's submits until `untilMs` (never shortens a longer pause). */
  setPause(providerId: string, untilMs: number, reason: string): Promise<void>;
  /**
   * Reserves the account's next submit slot under its pace (one every `intervalMs`, shared by
   * every instance): the time at which this submit may go out (now when the account is idle).
   */
  reserveSubmitSlot(providerId: string, intervalMs: number, nowMs: number): Promise<number>;
  /** Records the outcome of registering the pingback address. */
  setPingback(providerId: string, address: string, registered: boolean): Promise<void>;
  recordAttempt(providerId: string, type: TaskType, result: AttemptResult): Promise<void>;
  recordReport(providerId: string, type: TaskType, correct: boolean): Promise<void>;
}

/**
 * What caps a team's bad reports (task-service.ts reportTask): its solved tasks and the bad
 * reports it had forwarded upstream, both over a trailing window, read when a report comes in.
 */
export interface ReportQuotaStore {
  /** The team's completed tasks created since `sinceMs`, counted up to `upTo` (counting stops there). */
  solvedSince(teamId: string, sinceMs: number, upTo: number): Promise<number>;
  /** Bad reports of the team forwarded upstream since `sinceMs` (hour granularity). */
  forwardedSince(teamId: string, sinceMs: number): Promise<number>;
  /**
   * Takes one forwarding slot if fewer than `cap` were taken since `sinceMs` (atomic against
   * parallel reports of the team); false when the cap is reached.
   */
  takeSlot(teamId: string, nowMs: number, sinceMs: number, cap: number): Promise<boolean>;
  /** Gives back a slot taken at `takenAtMs` whose report the upstream did not record. */
  releaseSlot(teamId: string, takenAtMs: number): Promise<void>;
}

/** Messages on the work queue: ids only (SQS messages stay small). */
export type WorkMessage =
  /**
   * `early`: times this message came back because it arrived before its step was written;
   * `slot`: the submit slot (epoch ms) this step already reserved under the provider's pace.
   */
  | { kind: "task"; task_id: string; step: number; early?: number; slot?: { provider: string; at: number } }
  | { kind: "callback"; task_id: string; attempt: number; early?: number };

export interface WorkQueue {
  send(message: WorkMessage, delaySeconds: number): Promise<void>;
}

/**
 * One callback event: whose it is (the team's signing secret signs it) and its id, the same on
 * every retry (X-Router-Event-Id), so a receiver can drop repeats.
 */
export interface CallbackDelivery {
  teamId: string;
  eventId: string;
}

/**
 * POSTs a result object (JSON) or URLSearchParams (an urlencoded form, a 2Captcha-facade
 * pingback) to a team's callback URL, signed with the team's callback secret.
 */
export interface CallbackSender {
  post(url: string, body: unknown, delivery?: CallbackDelivery): Promise<{ ok: boolean; status?: number; error?: string }>;
}

/** Decides whether a callback URL may be called at all (callback-url.ts); a reason when not. */
export interface CallbackTargetCheck {
  check(url: string): Promise<string | undefined>;
}

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
