/**
 * In-memory stand-ins for every port of packages/core, with the semantics of the DynamoDB and
 * SQS implementations (packages/functions/src/aws), plus a queue runner that plays SQS and the
 * scheduled sweeper against a fake clock.
 *
 *  - FakeTaskStore.transition: conditional on prev.version; money moves applied to the team in
 *    the same (atomic) write; "insufficient_credits" when a reserve exceeds the balance.
 *  - FakeTaskStore.crashOnWrite: the worker "dies" at a chosen write (before or after it lands).
 *  - FakeWorkQueue: records every send with its delay; can drop sends, fail sends, or duplicate
 *    every message (SQS delivers at least once).
 *  - QueueRunner: delivers due messages in batches (concurrently, like the worker), advancing
 *    the clock to each message's due time; a delivery that throws comes back after the
 *    visibility timeout; the sweeper runs once a minute.
 *  - ScriptedAdapter: submit/poll/report answers queued per provider and per call.
 *  - FakeProviderStateStore: observations in time buckets of the world's clock, listed over
 *    the observation window (observations.ts), as DynamoProviderStateStore keeps them.
 */
import {
  MICRO_PER_CREDIT,
  OBSERVATION_WINDOW,
  ObservationBuckets,
  SOLUTION_KIND,
  emptyHistogram,
  solveTimeBucket,
  handleWorkMessages,
  isFinished,
  taskEffects,
  silentLogger,
  submitTask,
  sweepOverdueTasks,
  type AdapterRegistry,
  type AttemptResult,
  type BudgetLimit,
  type CallbackSender,
  type Clock,
  type CreateTaskResult,
  type LedgerEntry,
  type Logger,
  type Micro,
  type MoneyMove,
  type ObservationWindow,
  type PollOutcome,
  type Provider,
  type ProviderAdapter,
  type ProviderObservation,
  type ProviderState,
  type ProviderStateStore,
  type ReportOutcome,
  type ReportQuotaStore,
  type TakeBackResult,
  type RouterContext,
  type Solution,
  type SubmitOutcome,
  type SubmitRequest,
  type TaskListQuery,
  type TaskPricing,
  type TaskRecord,
  type TaskStore,
  type TaskType,
  type Team,
  type TeamStore,
  type TransitionResult,
  type UnifiedTask,
  type UpstreamError,
  type UsageEvent,
  type UsageRollup,
  type UsageStore,
  type WorkMessage,
  type WorkQueue,
} from "../src/index.ts";

const clone = <T>(value: T): T => structuredClone(value);
/** Every store call yields once, so concurrent deliveries interleave as they would for real. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export const START_MS = Date.UTC(2025, 0, 15, 12, 0, 0);

// ── clock ──────────────────────────────────────────────────────────────────────────────

export class FakeClock implements Clock {
  constructor(private ms = START_MS) {}
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    if (ms < this.ms) throw new Error("the fake clock never goes back");
    this.ms = ms;
  }
  advance(seconds: number): void {
    this.ms += Math.round(seconds * 1000);
  }
  /** Seconds since the test's start. */
  elapsed(): number {
    return (this.ms - START_MS) / 1000;
  }
}

// ── teams ──────────────────────────────────────────────────────────────────────────────

/** Thrown by the fakes to simulate a worker dying (Lambda timeout, crash) mid-step. */
export class WorkerCrash extends Error {
  constructor(what: string) {
    super(`simulated crash: ${what}`);
  }
}

const monthOfMs = (ms: number) => new Date(ms).toISOString().slice(0, 7);

export class FakeTeamStore implements TeamStore {
  readonly teams = new Map<string, Team>();
  readonly keys = new Map<string, { teamId: string; prefix: string; createdAt: string }>();
  /** `${teamId}#${YYYY-MM}` → what the month's tasks hold or were charged. */
  readonly months = new Map<string, Micro>();
  /** Ledger lines, oldest first (credits here; charges and refunds from FakeTaskStore). */
  readonly lines: { teamId: string; line: LedgerEntry }[] = [];
  private ids = 0;

  constructor(private readonly clock: Clock) {}

  /** teamId → callback signing secret. */
  readonly callbackSecrets = new Map<string, string>();

  async setCallbackSecret(teamId: string, secret: string): Promise<boolean> {
    await tick();
    if (!this.teams.has(teamId)) return false;
    this.callbackSecrets.set(teamId, secret);
    return true;
  }

  async takeBackCredits(teamId: string, amountMicro: Micro): Promise<TakeBackResult> {
    await tick();
    const team = this.teams.get(teamId);
    if (!team) return { kind: "no_team" };
    if (team.balanceMicro < amountMicro) return { kind: "short", balanceMicro: team.balanceMicro };
    team.balanceMicro -= amountMicro;
    team.creditedMicro -= amountMicro;
    this.lines.push({ teamId, line: { at: this.clock.now(), kind: "credit", amountMicro: -amountMicro } });
    return { kind: "ok", team: clone(team) };
  }

  async setSuspended(teamId: string, suspended: boolean): Promise<Team | undefined> {
    await tick();
    const team = this.teams.get(teamId);
    if (!team) return undefined;
    if (suspended) team.suspended = true;
    else delete team.suspended;
    return clone(team);
  }

  async getCallbackSecret(teamId: string): Promise<string | undefined> {
    await tick();
    return this.callbackSecrets.get(teamId);
  }

  async createTeam(input: { name: string; creditsMicro: Micro; apiKeyHash: string; keyPrefix: string; callbackSecret?: string }): Promise<Team> {
    await tick();
    const team: Team = {
      teamId: `team-${++this.ids}`,
      name: input.name,
      balanceMicro: input.creditsMicro,
      reservedMicro: 0,
      chargedMicro: 0,
      creditedMicro: input.creditsMicro,
      createdAt: this.clock.now(),
    };
    this.teams.set(team.teamId, team);
    if (input.callbackSecret) this.callbackSecrets.set(team.teamId, input.callbackSecret);
    this.keys.set(input.apiKeyHash, { teamId: team.teamId, prefix: input.keyPrefix, createdAt: new Date(this.clock.now()).toISOString() });
    if (input.creditsMicro > 0) this.lines.push({ teamId: team.teamId, line: { at: this.clock.now(), kind: "credit", amountMicro: input.creditsMicro } });
    return clone(team);
  }

  /** Test helper: a team with `credits` (decimal credits as micro). */
  seed(creditsMicro: Micro, name = "team"): Team {
    const team: Team = {
      teamId: `team-${++this.ids}`,
      name,
      balanceMicro: creditsMicro,
      reservedMicro: 0,
      chargedMicro: 0,
      creditedMicro: creditsMicro,
      createdAt: this.clock.now(),
    };
    this.teams.set(team.teamId, team);
    return clone(team);
  }

  async getTeam(teamId: string): Promise<Team | undefined> {
    await tick();
    const team = this.teams.get(teamId);
    return team && clone(team);
  }

  /** Synchronous read for assertions. */
  peek(teamId: string): Team {
    const team = this.teams.get(teamId);
    if (!team) throw new Error(`no team ${teamId}`);
    return clone(team);
  }

  async listTeams(): Promise<Team[]> {
    await tick();
    return [...this.teams.values()].map(clone);
  }

  async teamIdForKeyHash(hash: string): Promise<string | undefined> {
    await tick();
    return this.keys.get(hash)?.teamId;
  }

  async addCredits(teamId: string, amountMicro: Micro): Promise<Team | undefined> {
    await tick();
    const team = this.teams.get(teamId);
    if (!team) return undefined;
    team.balanceMicro += amountMicro;
    team.creditedMicro += amountMicro;
    this.lines.push({ teamId, line: { at: this.clock.now(), kind: "credit", amountMicro } });
    return clone(team);
  }

  async ledger(teamId: string, query: { fromDay: string; toDay: string; limit: number }): Promise<LedgerEntry[]> {
    await tick();
    const day = (line: LedgerEntry) => new Date(line.at).toISOString().slice(0, 10);
    return this.lines
      .filter((l) => l.teamId === teamId && day(l.line) >= query.fromDay && day(l.line) <= query.toDay)
      .slice(0, query.limit)
      .map((l) => clone(l.line));
  }

  async addKey(teamId: string, input: { apiKeyHash: string; keyPrefix: string }): Promise<boolean> {
    await tick();
    if (!this.teams.has(teamId) || this.keys.has(input.apiKeyHash)) return false;
    this.keys.set(input.apiKeyHash, { teamId, prefix: input.keyPrefix, createdAt: new Date(this.clock.now()).toISOString() });
    return true;
  }

  async listKeys(teamId: string): Promise<{ keyPrefix: string; createdAt: string }[]> {
    await tick();
    return [...this.keys.values()].filter((k) => k.teamId === teamId).map((k) => ({ keyPrefix: k.prefix, createdAt: k.createdAt }));
  }

  async revokeKey(teamId: string, keyPrefix: string): Promise<number> {
    await tick();
    let revoked = 0;
    for (const [hash, key] of this.keys) {
      if (key.teamId === teamId && key.prefix === keyPrefix) {
        this.keys.delete(hash);
        revoked++;
      }
    }
    return revoked;
  }

  async setMonthlyBudget(teamId: string, limitMicro: Micro | undefined): Promise<Team | undefined> {
    await tick();
    const team = this.teams.get(teamId);
    if (!team) return undefined;
    if (limitMicro === undefined) delete team.monthlyBudgetMicro;
    else team.monthlyBudgetMicro = limitMicro;
    return clone(team);
  }

  async monthUsed(teamId: string, month: string): Promise<Micro> {
    await tick();
    return this.months.get(`${teamId}#${month}`) ?? 0;
  }

  /** Applies a money move (the team half of a transaction); false if a reserve is not covered. */
  applyMoney(teamId: string, money: MoneyMove, month: string, check = false): boolean {
    const team = this.teams.get(teamId);
    if (!team) throw new Error(`no team ${teamId}`);
    const reserve = money.reserveMicro ?? 0;
    const charge = money.chargeMicro ?? 0;
    const release = money.releaseMicro ?? 0;
    const refund = money.refundMicro ?? 0;
    for (const amount of [reserve, charge, release, refund]) {
      if (!Number.isSafeInteger(amount) || amount < 0) throw new Error(`bad money move ${JSON.stringify(money)}`);
    }
    if (reserve > 0 && team.balanceMicro < reserve) return false;
    if (check) return true;
    team.balanceMicro += release + refund - reserve;
    team.reservedMicro += reserve - charge - release;
    team.chargedMicro += charge - refund;
    const key = `${teamId}#${month}`;
    this.months.set(key, (this.months.get(key) ?? 0) + reserve - release - refund);
    return true;
  }
}

// ── tasks ──────────────────────────────────────────────────────────────────────────────

interface CrashRule {
  /** Counts down on every write; the rule fires when it reaches 0. */
  writesLeft: number;
  /** after: the write lands, then the worker dies; before: the worker dies before it lands. */
  mode: "before" | "after";
  match?: (prev: TaskRecord, next: TaskRecord) => boolean;
}

export class FakeTaskStore implements TaskStore {
  readonly tasks = new Map<string, TaskRecord>();
  readonly payloads = new Map<string, UnifiedTask>();
  readonly idempotency = new Map<string, string>();
  readonly usage: UsageEvent[] = [];
  /** Every successful write, in order (for assertions). */
  readonly writes: { prev: TaskRecord; next: TaskRecord; money?: MoneyMove; usage?: UsageEvent }[] = [];
  /** Called after every write that landed (invariant checks). */
  onWrite?: () => void;
  /** A task's solved attempt, as the DynamoDB aggregator counts it in the provider's figures. */
  onSolved?: (solved: NonNullable<ReturnType<typeof taskEffects>["solved"]>) => void;
  private crashes: CrashRule[] = [];
  /** Ids of the tasks not yet completed or failed. */
  private readonly open = new Set<string>();

  constructor(private readonly teams: FakeTeamStore) {}

  /**
   * The `n`-th next task write (counting only writes `match` accepts) crashes the worker:
   * "after" lets the write land first, "before" throws instead of writing.
   */
  crashOnWrite(n: number, mode: "before" | "after", match?: (prev: TaskRecord, next: TaskRecord) => boolean): void {
    this.crashes.push({ writesLeft: n, mode, ...(match ? { match } : {}) });
  }

  pendingCrashes(): number {
    return this.crashes.length;
  }

  async create(task: TaskRecord, payload: UnifiedTask, budget?: BudgetLimit): Promise<CreateTaskResult> {
    await tick();
    const team = this.teams.teams.get(task.teamId);
    const usedThisMonth = () => (budget ? (this.teams.months.get(`${task.teamId}#${budget.month}`) ?? 0) : 0);
    if (budget && task.reservedMicro > budget.limitMicro) {
      // checked before the transaction, as DynamoTaskStore does
      return { kind: "over_budget", needMicro: task.reservedMicro, usedMicro: usedThisMonth(), limitMicro: budget.limitMicro };
    }
    if (task.idempotencyKey) {
      const existing = this.idempotency.get(`${task.teamId}#${task.idempotencyKey}`);
      const existingTask = existing && this.tasks.get(existing);
      if (existingTask) return { kind: "duplicate", task: clone(existingTask) };
    }
    if (!team) return { kind: "no_team" };
    if (this.tasks.has(task.taskId)) throw new Error(`task ${task.taskId} exists`);
    if (team.balanceMicro < task.reservedMicro) {
      return { kind: "insufficient_credits", needMicro: task.reservedMicro, haveMicro: team.balanceMicro };
    }
    if (budget && usedThisMonth() + task.reservedMicro > budget.limitMicro) {
      return { kind: "over_budget", needMicro: task.reservedMicro, usedMicro: usedThisMonth(), limitMicro: budget.limitMicro };
    }
    this.teams.applyMoney(task.teamId, { reserveMicro: task.reservedMicro }, monthOfMs(task.createdAt));
    this.tasks.set(task.taskId, clone(task));
    if (!isFinished(task.status)) this.open.add(task.taskId);
    this.payloads.set(task.taskId, clone(payload));
    if (task.idempotencyKey) this.idempotency.set(`${task.teamId}#${task.idempotencyKey}`, task.taskId);
    this.onWrite?.();
    return { kind: "created", task: clone(task) };
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    await tick();
    const task = this.tasks.get(taskId);
    return task && clone(task);
  }

  /** Synchronous read for assertions. */
  peek(taskId: string): TaskRecord {
    const task = this.tasks.get(taskId);
    if (!task) throw new Error(`no task ${taskId}`);
    return clone(task);
  }

  async getPayload(taskId: string): Promise<UnifiedTask | undefined> {
    await tick();
    const payload = this.payloads.get(taskId);
    return payload && clone(payload);
  }

  async list(teamId: string, query: TaskListQuery) {
    await tick();
    const all = [...this.tasks.values()]
      .filter((t) => t.teamId === teamId && (query.status === undefined || t.status === query.status))
      .sort((a, b) => b.taskId.localeCompare(a.taskId));
    const start = query.cursor ? all.findIndex((t) => t.taskId < query.cursor!) : query.offset;
    const page = start < 0 ? [] : all.slice(start, start + query.limit);
    const more = start >= 0 && start + query.limit < all.length;
    return { total: all.length, tasks: page.map(clone), ...(more ? { nextCursor: page[page.length - 1]!.taskId } : {}) };
  }

  async delete(task: TaskRecord): Promise<boolean> {
    await tick();
    const stored = this.tasks.get(task.taskId);
    if (!stored || !isFinished(stored.status)) return false;
    this.tasks.delete(task.taskId);
    this.payloads.delete(task.taskId);
    return true;
  }

  async transition(prev: TaskRecord, next: TaskRecord, money?: MoneyMove): Promise<TransitionResult> {
    await tick();
    const rule = this.crashes.find((r) => !r.match || r.match(prev, next));
    const fires = rule !== undefined && --rule.writesLeft === 0;
    if (fires) this.crashes.splice(this.crashes.indexOf(rule), 1);
    if (fires && rule.mode === "before") throw new WorkerCrash("before a task write");

    const stored = this.tasks.get(prev.taskId);
    if (!stored || stored.version !== prev.version) return "conflict";
    if (next.version !== prev.version + 1 || next.taskId !== prev.taskId || next.teamId !== prev.teamId) {
      throw new Error(`malformed transition ${prev.version} → ${next.version}`);
    }
    const month = monthOfMs(stored.createdAt);
    if (money && !this.teams.applyMoney(next.teamId, money, month, true)) return "insufficient_credits";
    if (money?.budget && (money.reserveMicro ?? 0) > 0) {
      const used = this.teams.months.get(`${next.teamId}#${money.budget.month}`) ?? 0;
      if (used + money.reserveMicro! > money.budget.limitMicro) return "over_budget";
    }
    if (money) this.teams.applyMoney(next.teamId, money, month);
    this.tasks.set(next.taskId, clone(next));
    if (isFinished(next.status)) {
      this.open.delete(next.taskId);
      // A task's request (images, proxy credentials) goes when it ends, as in DynamoTaskStore.
      this.payloads.delete(next.taskId);
    }
    // What DynamoDB's stream aggregator derives from the same change, applied at once.
    const effects = taskEffects(stored, next);
    if (effects.solved) this.onSolved?.(effects.solved);
    this.usage.push(...effects.usage.map(clone));
    for (const line of effects.ledger) this.teams.lines.push({ teamId: next.teamId, line: clone(line) });
    const usage = effects.usage[0];
    this.writes.push(clone({ prev, next, ...(money ? { money } : {}), ...(usage ? { usage } : {}) }));
    this.onWrite?.();
    if (fires && rule.mode === "after") throw new WorkerCrash("after a task write");
    return "ok";
  }

  async listOverdue(beforeMs: number, limit: number): Promise<TaskRecord[]> {
    await tick();
    return [...this.tasks.values()]
      .filter((t) => !isFinished(t.status) && t.dueAt < beforeMs)
      .sort((a, b) => a.dueAt - b.dueAt || a.taskId.localeCompare(b.taskId))
      .slice(0, limit)
      .map(clone);
  }

  hasUnfinished(): boolean {
    return this.open.size > 0;
  }

  unfinished(): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => !isFinished(t.status)).map(clone);
  }
}

/** Forwarded bad reports as timestamps per team; solved tasks counted from the task store. */
export class FakeReportQuotaStore implements ReportQuotaStore {
  readonly forwarded = new Map<string, number[]>();
  constructor(private readonly tasks: FakeTaskStore) {}

  async solvedSince(teamId: string, sinceMs: number, upTo: number): Promise<number> {
    await tick();
    const solved = [...this.tasks.tasks.values()].filter((t) => t.teamId === teamId && t.status === "completed" && t.createdAt >= sinceMs).length;
    return Math.min(solved, upTo);
  }

  async forwardedSince(teamId: string, sinceMs: number): Promise<number> {
    await tick();
    return (this.forwarded.get(teamId) ?? []).filter((at) => at >= sinceMs).length;
  }

  async takeSlot(teamId: string, nowMs: number, sinceMs: number, cap: number): Promise<boolean> {
    await tick();
    const taken = this.forwarded.get(teamId) ?? [];
    if (taken.filter((at) => at >= sinceMs).length >= cap) return false;
    this.forwarded.set(teamId, [...taken, nowMs]);
    return true;
  }

  async releaseSlot(teamId: string, takenAtMs: number): Promise<void> {
    await tick();
    const taken = this.forwarded.get(teamId) ?? [];
    const index = taken.indexOf(takenAtMs);
    if (index >= 0) taken.splice(index, 1);
  }
}

export class FakeUsageStore implements UsageStore {
  constructor(private readonly tasks: FakeTaskStore) {}

  async query(input: { teamId?: string; fromDay: string; toDay: string }): Promise<UsageRollup[]> {
    await tick();
    const rollups = new Map<string, UsageRollup>();
    for (const u of this.tasks.usage) {
      if ((input.teamId !== undefined && u.teamId !== input.teamId) || u.day < input.fromDay || u.day > input.toDay) continue;
      const key = `${u.teamId}#${u.day}#${u.type}#${u.providerId}`;
      const r = rollups.get(key) ?? {
        teamId: u.teamId,
        day: u.day,
        type: u.type,
        providerId: u.providerId,
        tasks: 0,
        completed: 0,
        failed: 0,
        chargedMicro: 0,
        solveSecondsTotal: 0,
        solveHistogram: emptyHistogram(),
      };
      if (u.kind === "ended") {
        r.tasks++;
        if (u.completed) r.completed++;
        else r.failed++;
      }
      r.chargedMicro += u.chargedMicro;
      r.solveSecondsTotal += u.solveSeconds;
      if (u.kind === "ended" && u.completed) r.solveHistogram[solveTimeBucket(u.solveSeconds)]!++;
      rollups.set(key, r);
    }
    return [...rollups.values()];
  }
}

// ── provider state ─────────────────────────────────────────────────────────────────────

/**
 * DynamoProviderStateStore's semantics: a cooldown per provider (never shortened by a later,
 * shorter one) and observations counted in time buckets (core's observations.ts), `list()`
 * returning per provider and type the sum over the window that ends at the clock's time.
 */
export class FakeProviderStateStore implements ProviderStateStore {
  readonly cooldowns: { providerId: string; untilMs: number; reason: string }[] = [];
  readonly observations: ObservationBuckets;
  private readonly cooling = new Map<string, { untilMs: number; reason: string }>();
  private readonly pauses = new Map<string, { untilMs: number; reason: string }>();
  private readonly pingbacks = new Map<string, { address: string; registered: boolean; at: number }>();
  /** The next free submit slot per provider (GCRA), and every slot handed out. */
  private readonly nextSlot = new Map<string, number>();
  readonly slots: { providerId: string; at: number }[] = [];

  constructor(
    private readonly clock: Clock,
    window: ObservationWindow = OBSERVATION_WINDOW,
  ) {
    this.observations = new ObservationBuckets(window);
  }

  /** Synchronous read for assertions: what `list()` answers now. */
  get states(): Map<string, ProviderState> {
    const observed = this.observations.sums(this.clock.now());
    const states = new Map<string, ProviderState>();
    for (const providerId of new Set([...this.cooling.keys(), ...this.pauses.keys(), ...this.pingbacks.keys(), ...this.nextSlot.keys(), ...observed.keys()])) {
      const cooldown = this.cooling.get(providerId);
      const pause = this.pauses.get(providerId);
      const pingback = this.pingbacks.get(providerId);
      const paceFreeAt = this.nextSlot.get(providerId);
      states.set(providerId, {
        providerId,
        ...(cooldown ? { cooldownUntil: cooldown.untilMs, cooldownReason: cooldown.reason } : {}),
        ...(pause ? { pausedUntil: pause.untilMs, pauseReason: pause.reason } : {}),
        ...(pingback ? { pingback: { ...pingback } } : {}),
        ...(paceFreeAt !== undefined ? { paceFreeAt } : {}),
        observed: observed.get(providerId) ?? {},
      });
    }
    return states;
  }

  async list(): Promise<ProviderState[]> {
    await tick();
    return [...this.states.values()];
  }

  async setCooldown(providerId: string, untilMs: number, reason: string): Promise<void> {
    await tick();
    this.cooldowns.push({ providerId, untilMs, reason });
    const current = this.cooling.get(providerId);
    // Never shorten a longer cooldown another worker set.
    if (current === undefined || current.untilMs < untilMs) this.cooling.set(providerId, { untilMs, reason });
  }

  async setPause(providerId: string, untilMs: number, reason: string): Promise<void> {
    await tick();
    const current = this.pauses.get(providerId);
    if (current === undefined || current.untilMs < untilMs) this.pauses.set(providerId, { untilMs, reason });
  }

  async reserveSubmitSlot(providerId: string, intervalMs: number, nowMs: number): Promise<number> {
    await tick();
    const at = Math.max(nowMs, this.nextSlot.get(providerId) ?? 0);
    this.nextSlot.set(providerId, at + intervalMs);
    this.slots.push({ providerId, at });
    return at;
  }

  async setPingback(providerId: string, address: string, registered: boolean): Promise<void> {
    await tick();
    this.pingbacks.set(providerId, { address, registered, at: this.clock.now() });
  }

  async recordAttempt(providerId: string, type: TaskType, result: AttemptResult): Promise<void> {
    await tick();
    this.observations.recordAttempt(providerId, type, result, this.clock.now());
  }

  async recordReport(providerId: string, type: TaskType, correct: boolean): Promise<void> {
    await tick();
    this.observations.recordReport(providerId, type, correct, this.clock.now());
  }

  /** Test helper: preset observations (in the current bucket). */
  observe(providerId: string, type: TaskType, figures: Partial<ProviderObservation>): void {
    Object.assign(this.observations.bucket(providerId, type, this.clock.now()), figures);
  }

  /** Test helper: a cooldown set directly. */
  cool(providerId: string, untilMs: number, reason = "test"): void {
    this.cooling.set(providerId, { untilMs, reason });
  }
}

// ── queue ──────────────────────────────────────────────────────────────────────────────

export interface QueuedMessage {
  id: number;
  message: WorkMessage;
  dueAt: number;
  receives: number;
}

export class FakeWorkQueue implements WorkQueue {
  /** Every send the code made, with its delay, in order (dropped ones included). */
  readonly sent: { message: WorkMessage; delaySeconds: number; at: number; dropped: boolean }[] = [];
  /** Messages waiting for delivery (in flight ones are removed until they succeed or time out). */
  readonly waiting: QueuedMessage[] = [];
  /** Every copy of a message is sent twice (the second `duplicateDelaySeconds` later). */
  duplicateEverything = false;
  duplicateDelaySeconds = 0;
  private dropRules: ((message: WorkMessage) => boolean)[] = [];
  private failures = 0;
  private ids = 0;

  constructor(private readonly clock: Clock) {}

  /** The next send that `match` accepts is acknowledged but lost. */
  dropNext(match: (message: WorkMessage) => boolean = () => true): void {
    this.dropRules.push(match);
  }

  /** The next `n` sends throw (the queue is unreachable). */
  failNextSends(n: number): void {
    this.failures += n;
  }

  async send(message: WorkMessage, delaySeconds: number): Promise<void> {
    await tick();
    if (this.failures > 0) {
      this.failures--;
      throw new Error("queue unavailable");
    }
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 900) {
      throw new Error(`SQS refuses DelaySeconds=${delaySeconds}`);
    }
    const now = this.clock.now();
    const dropIndex = this.dropRules.findIndex((rule) => rule(message));
    const dropped = dropIndex >= 0;
    if (dropped) this.dropRules.splice(dropIndex, 1);
    this.sent.push({ message: clone(message), delaySeconds, at: now, dropped });
    if (dropped) return;
    this.enqueue(message, now + delaySeconds * 1000);
    if (this.duplicateEverything) this.enqueue(message, now + (delaySeconds + this.duplicateDelaySeconds) * 1000);
  }

  enqueue(message: WorkMessage, dueAt: number, receives = 0): void {
    this.waiting.push({ id: ++this.ids, message: clone(message), dueAt, receives });
  }

  nextDue(): number | undefined {
    return this.waiting.length ? Math.min(...this.waiting.map((m) => m.dueAt)) : undefined;
  }

  /** Takes every message due at or before `nowMs`, oldest due first. */
  take(nowMs: number, max = 10): QueuedMessage[] {
    const due = this.waiting.filter((m) => m.dueAt <= nowMs).sort((a, b) => a.dueAt - b.dueAt || a.id - b.id).slice(0, max);
    for (const m of due) this.waiting.splice(this.waiting.indexOf(m), 1);
    return due;
  }

  /** Sends of task messages (not callbacks) for one task. */
  taskSends(taskId: string) {
    return this.sent.filter((s) => s.message.kind === "task" && s.message.task_id === taskId);
  }
}

// ── callbacks ──────────────────────────────────────────────────────────────────────────

type CallbackAnswer = { ok: boolean; status?: number; error?: string };

export class FakeCallbackSender implements CallbackSender {
  readonly posts: { url: string; body: unknown; at: number }[] = [];
  private answers: CallbackAnswer[] = [];
  defaultAnswer: CallbackAnswer = { ok: true, status: 200 };

  constructor(private readonly clock: Clock) {}

  answer(...answers: CallbackAnswer[]): void {
    this.answers.push(...answers);
  }

  async post(url: string, body: unknown): Promise<CallbackAnswer> {
    await tick();
    this.posts.push({ url, body: body instanceof URLSearchParams ? new URLSearchParams(body) : clone(body), at: this.clock.now() });
    return this.answers.shift() ?? this.defaultAnswer;
  }
}

// ── upstream adapters ──────────────────────────────────────────────────────────────────

type Answer<T, A extends unknown[]> = T | ((...args: A) => T | Promise<T>);

export interface UpstreamCall {
  op: "submit" | "poll" | "report";
  providerId: string;
  at: number;
  upstreamId?: string;
  type?: TaskType;
  correct?: boolean;
}

export const solutionFor = (type: TaskType, n = 1): Solution => {
  switch (SOLUTION_KIND[type]) {
    case "token":
      return { kind: "token", token: `token-${n}` };
    case "text":
      return { kind: "text", text: `text-${n}` };
    case "coordinates":
      return { kind: "coordinates", coordinates: [{ x: n, y: n + 1 }] };
  }
};

export const upstreamError = (fault: UpstreamError["fault"], code: string, message = `${code} from upstream`, waitSeconds?: number) =>
  ({ kind: "error", error: { fault, code, message, ...(waitSeconds !== undefined ? { waitSeconds } : {}) } }) as const;

export const NOT_READY: PollOutcome = { kind: "not_ready" };

/**
 * A protocol adapter whose answers the test writes: per provider, a queue of answers for each
 * operation; when a queue is empty the default answers (submitted → solved) apply.
 */
export class ScriptedAdapter implements ProviderAdapter {
  readonly calls: UpstreamCall[] = [];
  readonly taskTypes: readonly TaskType[];
  private submits = new Map<string, Answer<SubmitOutcome, [UnifiedTask]>[]>();
  private polls_ = new Map<string, Answer<PollOutcome, [string]>[]>();
  private reports = new Map<string, Answer<ReportOutcome, [string, boolean]>[]>();
  private defaults = new Map<string, { submit?: Answer<SubmitOutcome, [UnifiedTask]>; poll?: Answer<PollOutcome, [string]> }>();
  private ids = 0;

  /** Present only for polling protocols, like a real adapter's. */
  readonly poll?: (provider: Provider, upstreamId: string, type: TaskType) => Promise<PollOutcome>;
  /** Present only for protocols that take reports. */
  readonly report?: (provider: Provider, upstreamId: string, correct: boolean) => Promise<ReportOutcome>;

  constructor(
    readonly protocol: string,
    private readonly polls: boolean,
    private readonly clock: Clock,
    taskTypes?: readonly TaskType[],
    reports = true,
  ) {
    this.taskTypes = taskTypes ?? ["HcaptchaImageTask", "RecaptchaV2Task", "RecaptchaV3Task", "TurnstileTask", "ImageToTextTask", "TextCaptchaTask", "CoordinatesTask"];
    if (polls) this.poll = (provider, upstreamId, type) => this.answerPoll(provider, upstreamId, type);
    if (reports) this.report = (provider, upstreamId, correct) => this.answerReport(provider, upstreamId, correct);
  }

  /** Queues answers for `providerId`'s next submits. */
  onSubmit(providerId: string, ...answers: Answer<SubmitOutcome, [UnifiedTask]>[]): this {
    this.submits.set(providerId, [...(this.submits.get(providerId) ?? []), ...answers]);
    return this;
  }

  onPoll(providerId: string, ...answers: Answer<PollOutcome, [string]>[]): this {
    this.polls_.set(providerId, [...(this.polls_.get(providerId) ?? []), ...answers]);
    return this;
  }

  onReport(providerId: string, ...answers: Answer<ReportOutcome, [string, boolean]>[]): this {
    this.reports.set(providerId, [...(this.reports.get(providerId) ?? []), ...answers]);
    return this;
  }

  /** What `providerId` answers once its queue for the operation is empty. */
  byDefault(providerId: string, answers: { submit?: Answer<SubmitOutcome, [UnifiedTask]>; poll?: Answer<PollOutcome, [string]> }): this {
    this.defaults.set(providerId, { ...this.defaults.get(providerId), ...answers });
    return this;
  }

  async submit(provider: Provider, task: UnifiedTask): Promise<SubmitOutcome> {
    await tick();
    this.calls.push({ op: "submit", providerId: provider.id, at: this.clock.now(), type: task.type });
    const upstreamId = `${provider.id}-${++this.ids}`;
    const fallback: Answer<SubmitOutcome, [UnifiedTask]> = this.polls
      ? { kind: "submitted", upstreamId }
      : { kind: "solved", solution: solutionFor(task.type, this.ids), upstreamId };
    const answer = this.submits.get(provider.id)?.shift() ?? this.defaults.get(provider.id)?.submit ?? fallback;
    const outcome = typeof answer === "function" ? await answer(task) : answer;
    const last = this.calls[this.calls.length - 1];
    if (last && outcome.kind !== "error" && outcome.upstreamId) last.upstreamId = outcome.upstreamId;
    return clone(outcome);
  }

  private async answerPoll(provider: Provider, upstreamId: string, type: TaskType): Promise<PollOutcome> {
    await tick();
    this.calls.push({ op: "poll", providerId: provider.id, at: this.clock.now(), upstreamId, type });
    const fallback: PollOutcome = { kind: "solved", solution: solutionFor(type) };
    const answer = this.polls_.get(provider.id)?.shift() ?? this.defaults.get(provider.id)?.poll ?? fallback;
    return clone(typeof answer === "function" ? await answer(upstreamId) : answer);
  }

  private async answerReport(provider: Provider, upstreamId: string, correct: boolean): Promise<ReportOutcome> {
    await tick();
    this.calls.push({ op: "report", providerId: provider.id, at: this.clock.now(), upstreamId, correct });
    const answer = this.reports.get(provider.id)?.shift() ?? { kind: "recorded" };
    return clone(typeof answer === "function" ? await answer(upstreamId, correct) : answer);
  }

  callsOf(op: UpstreamCall["op"], providerId?: string): UpstreamCall[] {
    return this.calls.filter((c) => c.op === op && (providerId === undefined || c.providerId === providerId));
  }
}

// ── providers ──────────────────────────────────────────────────────────────────────────

/** Credits as micro-credits, for test tables (integers only: no float maths on money). */
export const credits = (text: string): Micro => {
  const [whole = "0", fraction = ""] = text.split(".");
  return Number(whole) * MICRO_PER_CREDIT + Number(fraction.padEnd(6, "0"));
};

export function provider(
  id: string,
  protocol: string,
  tasks: Partial<Record<TaskType, { price: string; seconds: number; accuracy: number; prices?: Partial<Record<"speed" | "balanced" | "accuracy", string>> }>>,
  enabled = true,
): Provider {
  const table: Partial<Record<TaskType, TaskPricing>> = {};
  for (const [type, row] of Object.entries(tasks) as [TaskType, NonNullable<(typeof tasks)[TaskType]>][]) {
    table[type] = {
      priceMicro: credits(row.price),
      ...(row.prices
        ? { pricesMicro: Object.fromEntries(Object.entries(row.prices).map(([p, v]) => [p, credits(v as string)])) }
        : {}),
      solveSeconds: row.seconds,
      accuracy: row.accuracy,
    };
  }
  return { id, protocol, baseUrl: `https://${id}.example`, apiKey: `key-${id}`, enabled, tasks: table };
}

// ── the world ──────────────────────────────────────────────────────────────────────────

export const IMAGE = "aGVsbG8gd29ybGQh"; // base64 of "hello world!"

/** A minimal valid payload for each task type. */
export function payloadFor(type: TaskType): UnifiedTask {
  switch (type) {
    case "HcaptchaImageTask":
      return { type, fields: { images: [IMAGE], question: "Click the bus" } };
    case "RecaptchaV2Task":
    case "RecaptchaV3Task":
    case "TurnstileTask":
      return { type, fields: { site_key: "site-key", page_url: "https://example.com/login" } } as UnifiedTask;
    case "ImageToTextTask":
      return { type, fields: { image: IMAGE } };
    case "TextCaptchaTask":
      return { type, fields: { question: "What is 2 + 2?" } };
    case "CoordinatesTask":
      return { type, fields: { image: IMAGE, instructions: "Click the cat" } };
  }
}

export interface WorldOptions {
  providers: Provider[];
  explorationShare?: number;
  random?: () => number;
  logger?: Logger;
  /** The provider state's observation window (default: the store's, OBSERVATION_WINDOW). */
  observationWindow?: ObservationWindow;
  /** Adapters to use instead of the scripted ones (which `adapters` still holds, unused). */
  adapters?: AdapterRegistry;
}

export type World = ReturnType<typeof createWorld>;

export function createWorld(options: WorldOptions) {
  const clock = new FakeClock();
  const teams = new FakeTeamStore(clock);
  const tasks = new FakeTaskStore(teams);
  const usage = new FakeUsageStore(tasks);
  const reportQuota = new FakeReportQuotaStore(tasks);
  const providerStates = new FakeProviderStateStore(clock, options.observationWindow);
  tasks.onSolved = (solved) => providerStates.observations.recordAttempt(solved.providerId, solved.type, { kind: "solved", solveSeconds: solved.solveSeconds }, clock.now());
  const queue = new FakeWorkQueue(clock);
  const callbacks = new FakeCallbackSender(clock);
  const adapters = {
    twocaptcha: new ScriptedAdapter("twocaptcha", true, clock),
    solverv2: new ScriptedAdapter("solverv2", true, clock),
    acedata: new ScriptedAdapter("acedata", false, clock, ["HcaptchaImageTask"], false),
  };
  let ids = 0;
  const ctx: RouterContext = {
    tasks,
    teams,
    usage,
    providerStates,
    queue,
    callbacks,
    providers: options.providers,
    adapters: options.adapters ?? (adapters satisfies AdapterRegistry),
    clock,
    logger: options.logger ?? silentLogger,
    newId: () => `task-${String(++ids).padStart(4, "0")}`,
    explorationShare: options.explorationShare ?? 0,
    reportQuota,
    ...(options.random ? { random: options.random } : {}),
  };
  const violations: string[] = [];
  tasks.onWrite = () => violations.push(...moneyViolations(teams, tasks));
  const runner = new QueueRunner(ctx, clock, queue, tasks);
  runner.afterDelivery = () => violations.push(...moneyViolations(teams, tasks));

  /** Every upstream call of every adapter, in time order. */
  const upstreamCalls = () => Object.values(adapters).flatMap((a) => a.calls).sort((a, b) => a.at - b.at);

  return {
    ctx,
    clock,
    teams,
    tasks,
    usage,
    reportQuota,
    providerStates,
    queue,
    callbacks,
    adapters,
    runner,
    upstreamCalls,
    /** Money rules broken at any write or delivery so far (must stay empty). */
    violations,
    /** Submits a task of `type` for `teamId` with the defaults a client would use. */
    submit: (teamId: string, type: TaskType, extra: Partial<Omit<SubmitRequest, "teamId" | "task">> = {}) =>
      submitTask(ctx, { teamId, task: payloadFor(type), priority: "balanced", ...extra }),
  };
}

/**
 * The money rules of ports.ts `Team`, checked against every task: balance + reserved + charged
 * = credited; nothing negative; the team's reservation is what its unfinished tasks hold; what
 * it was charged is what its tasks were charged.
 */
export function moneyViolations(teams: FakeTeamStore, tasks: FakeTaskStore): string[] {
  const problems: string[] = [];
  for (const team of teams.teams.values()) {
    const own = [...tasks.tasks.values()].filter((t) => t.teamId === team.teamId);
    const sum = team.balanceMicro + team.reservedMicro + team.chargedMicro;
    if (sum !== team.creditedMicro) problems.push(`${team.teamId}: balance+reserved+charged=${sum} ≠ credited ${team.creditedMicro}`);
    if (team.balanceMicro < 0 || team.reservedMicro < 0) problems.push(`${team.teamId}: negative balance or reservation`);
    const held = own.filter((t) => !isFinished(t.status)).reduce((s, t) => s + t.reservedMicro, 0);
    if (held !== team.reservedMicro) problems.push(`${team.teamId}: reserved ${team.reservedMicro} ≠ held by open tasks ${held}`);
    for (const t of own) {
      if (isFinished(t.status) && t.reservedMicro !== 0) problems.push(`${t.taskId}: finished but holds ${t.reservedMicro}`);
    }
    // Deleted tasks took their charge with them; only check when none were deleted.
    const charged = own.reduce((s, t) => s + (t.chargedMicro ?? 0), 0);
    if (charged > team.chargedMicro) problems.push(`${team.teamId}: tasks charged ${charged} > team charged ${team.chargedMicro}`);
  }
  return problems;
}

// ── the queue runner ───────────────────────────────────────────────────────────────────

export interface RunOptions {
  /** Stop once this holds (checked between batches). */
  until?: () => boolean;
  /** Fake seconds after which the run stops whatever is left. */
  maxSeconds?: number;
  /** Run sweepOverdueTasks once a minute, like the scheduled sweeper (default true). */
  sweep?: boolean;
}

export interface Delivery {
  at: number;
  message: WorkMessage;
  outcome: "ok" | "threw";
  error?: string;
}

/**
 * Plays SQS + Lambda: takes the messages due next (advancing the clock to their due time),
 * hands the batch to the handlers concurrently; a message whose handler threw becomes visible
 * again after the visibility timeout and goes to the dead-letter list after MAX_RECEIVES.
 */
export class QueueRunner {
  static readonly VISIBILITY_TIMEOUT_SECONDS = 361;
  static readonly MAX_RECEIVES = 5;
  static readonly SWEEP_EVERY_SECONDS = 60;

  readonly deliveries: Delivery[] = [];
  readonly deadLetters: QueuedMessage[] = [];
  readonly sweeps: { at: number; requeued: number }[] = [];
  afterDelivery?: () => void;
  /** Runs each delivery inside a context of the caller's (the routing benchmark times synchronous upstream calls with it). */
  deliveryContext?: (deliver: () => Promise<void>) => Promise<void>;
  private nextSweepAt: number;

  constructor(
    private readonly ctx: RouterContext,
    private readonly clock: FakeClock,
    private readonly queue: FakeWorkQueue,
    private readonly tasks: FakeTaskStore,
  ) {
    this.nextSweepAt = clock.now() + QueueRunner.SWEEP_EVERY_SECONDS * 1000;
  }

  async run(options: RunOptions = {}): Promise<void> {
    const sweep = options.sweep ?? true;
    const stopAt = this.clock.now() + (options.maxSeconds ?? 3600) * 1000;
    for (;;) {
      if (options.until?.()) return;
      const next = this.queue.nextDue();
      const openTasks = this.tasks.hasUnfinished();
      if (next === undefined && !(sweep && openTasks)) return;
      const sweepAt = sweep ? this.nextSweepAt : Infinity;
      const at = Math.min(next ?? Infinity, sweepAt);
      if (at > stopAt) return;
      this.clock.set(Math.max(this.clock.now(), at));
      if (sweep && this.clock.now() >= this.nextSweepAt) {
        while (this.nextSweepAt <= this.clock.now()) this.nextSweepAt += QueueRunner.SWEEP_EVERY_SECONDS * 1000;
        const requeued = await sweepOverdueTasks(this.ctx);
        this.sweeps.push({ at: this.clock.now(), requeued });
        continue;
      }
      await this.deliverBatch(this.queue.take(this.clock.now()));
    }
  }

  /** Runs until `taskId` is completed or failed (or the time limit). */
  runUntilFinished(taskIds: string | string[], options: Omit<RunOptions, "until"> = {}): Promise<void> {
    const ids = Array.isArray(taskIds) ? taskIds : [taskIds];
    return this.run({ ...options, until: () => ids.every((id) => isFinished(this.tasks.peek(id).status)) });
  }

  private async deliverBatch(batch: QueuedMessage[]): Promise<void> {
    const results = await Promise.allSettled(batch.map((m) => this.handle(m.message)));
    results.forEach((result, index) => {
      const m = batch[index]!;
      this.deliveries.push({
        at: this.clock.now(),
        message: m.message,
        outcome: result.status === "fulfilled" ? "ok" : "threw",
        ...(result.status === "rejected" ? { error: String(result.reason) } : {}),
      });
      if (result.status === "fulfilled") return;
      if (!(result.reason instanceof WorkerCrash)) throw result.reason; // a real bug: surface it
      if (m.receives + 1 >= QueueRunner.MAX_RECEIVES) this.deadLetters.push(m);
      else this.queue.enqueue(m.message, this.clock.now() + QueueRunner.VISIBILITY_TIMEOUT_SECONDS * 1000, m.receives + 1);
    });
    this.afterDelivery?.();
  }

  private handle(message: WorkMessage): Promise<void> {
    const deliver = async () => {
      const [result] = await handleWorkMessages(this.ctx, [message]);
      if (result?.status === "rejected") throw result.reason;
    };
    return this.deliveryContext ? this.deliveryContext(deliver) : deliver();
  }
}
