/**
 * A discrete-event simulation of the router's task lifecycle over simulated time, driving the
 * real routing policy (`route()` from routing.ts) and the real schedule (schedule.ts). The
 * worker's rules are those of task-processor.ts, step for step:
 *  - at acceptance the task is routed (with the exploration share) and the planned provider
 *    is used for the first attempt unless it is cooling down by then;
 *  - an attempt polls at firstWaitSeconds, then nextPollDelaySeconds (cut short at the task's
 *    deadline); after 20 result requests, or when a request past the attempt window finds no
 *    answer, it has failed ("no answer");
 *  - ERROR_CAPTCHA_UNSOLVABLE / no answer: not charged, the provider is excluded for this task
 *    and the task is routed again at once (failover), if the deadline allows;
 *  - a transient error (HTML 5xx) on submit: the task is routed again after 5 s (the same
 *    provider is not excluded); the second in a row on one provider cools it down for 60 s
 *    and excludes it; while polling, a third in a row does the same;
 *  - every provider cooling down: wait for the first to come back if the deadline leaves an
 *    attempt window after it, else fail;
 *  - solved: charge the solving attempt's price, nothing for the failed ones;
 *  - the shared provider state is updated exactly like the worker's ProviderStateStore calls
 *    (recordAttempt solved/unsolvable/error with the solve seconds, setCooldown that never
 *    shortens a longer cooldown, recordReport when a team reports), and read like it: the
 *    observed figures are those of the observation window (observations.ts: the buckets of
 *    the last hour), as DynamoProviderStateStore.list() returns them.
 * The providers' behaviour is the hidden truth of scenario.ts, drawn from keyed randomness so
 * that every run sees the same luck for the same task on the same provider.
 */
import type { Micro } from "@solver-router/core";
import { OBSERVATION_WINDOW, ObservationBuckets, windowStartOf, type ObservationWindow } from "@solver-router/core";
import type { ProviderState } from "@solver-router/core";
import type { Provider } from "@solver-router/core";
import { route } from "@solver-router/core";
import { MAX_TRANSIENT_ERRORS, TRANSIENT_COOLDOWN_SECONDS } from "@solver-router/core";
import {
  attemptWindowSeconds,
  firstWaitSeconds,
  MAX_DELAY_SECONDS,
  MAX_RESULT_REQUESTS,
  nextPollDelaySeconds,
  POLL_INTERVAL_SECONDS,
  taskDeadlineSeconds,
} from "@solver-router/core";
import type { Priority, TaskType } from "@solver-router/core";
import { exponential, keyed, logNormal, mulberry32, mix, stringKey } from "./prng.ts";
import { TASK_MIX, TRUTH, type Scenario, type TrueBehaviour } from "./scenario.ts";


export interface SimTask {
  index: number;
  type: TaskType;
  arrivalMs: number;
}

/** The task stream: Poisson arrivals, types drawn from the mix. Same for every run of a seed. */
export function generateTasks(seed: number, count: number, scenario: Scenario): SimTask[] {
  const random = mulberry32(mix(seed, 0x7a5c));
  const tasks: SimTask[] = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    at += exponential(random, scenario.meanInterArrivalSeconds * 1000);
    const u = random();
    let acc = 0;
    let type = TASK_MIX[TASK_MIX.length - 1]![0];
    for (const [t, share] of TASK_MIX) {
      acc += share;
      if (u < acc) {
        type = t;
        break;
      }
    }
    tasks.push({ index, type, arrivalMs: Math.round(at) });
  }
  return tasks;
}

export interface TaskOutcome {
  type: TaskType;
  status: "completed" | "failed";
  correct: boolean;
  chargedMicro: Micro;
  /** Arrival to answer (or to failure). */
  elapsedMs: number;
  /** The provider whose answer was returned. */
  servedBy?: string;
  /** The provider planned at acceptance. */
  plannedBy?: string;
  attempts: number;
  error?: string;
  /** Accepted after the degradation began. */
  afterDegradation: boolean;
}

export interface SimulationInput {
  seed: number;
  providers: readonly Provider[];
  tasks: readonly SimTask[];
  priority: Priority;
  scenario: Scenario;
  /** When the degradation and the outage begin (simulated ms), from the full task stream. */
  timeline: Timeline;
  explorationShare: number;
  /** The observation window the provider state keeps (default: the store's, OBSERVATION_WINDOW). */
  observationWindow?: ObservationWindow;
}

export interface Timeline {
  degradeAtMs: number;
  outageFromMs: number;
}

/** The scenario's events in simulated time: they start at the arrival of a given task. */
export const timelineOf = (tasks: readonly SimTask[], scenario: Scenario): Timeline => ({
  degradeAtMs: tasks[scenario.degradeAfterTask]?.arrivalMs ?? Infinity,
  outageFromMs: tasks[scenario.outage.afterTask]?.arrivalMs ?? Infinity,
});

export interface SimulationResult {
  outcomes: TaskOutcome[];
  states: ProviderState[];
  cooldowns: { providerId: string; atMs: number; untilMs: number; reason: string }[];
}

type Fault = "retry" | "cooldown" | "unsolvable";
interface SimError {
  fault: Fault;
  code: string;
  waitSeconds?: number;
}

interface Attempt {
  providerId: string;
  priceMicro: Micro;
  startedAt: number;
  state: "polling" | "failed" | "solved";
  polls: number;
  retries: number;
  error?: string;
  /** When the answer is ready (success) or the failure shows (explicit failure). */
  readyAt: number;
  outcome: "solve" | "fail" | "silent";
  /** Keyed randomness for this attempt (correctness, reports). */
  draws: () => number;
}

interface TaskState {
  task: SimTask;
  /** Position in this run's task list (a single provider's run sees a subset). */
  position: number;
  deadlineAt: number;
  step: number;
  reservedMicro: Micro;
  planned?: { providerId: string; priceMicro: Micro };
  attempts: Attempt[];
  done: boolean;
}

const PURPOSE = { submit: 1, attempt: 2, transient: 3, poll: 4 } as const;

export function simulate(input: SimulationInput): SimulationResult {
  const { providers, priority, scenario, seed } = input;
  const explore = mulberry32(mix(seed, 0xe8, stringKey(priority)));
  const window = input.observationWindow ?? OBSERVATION_WINDOW;
  const providerOf = new Map(providers.map((p) => [p.id, p]));
  const outcomes: TaskOutcome[] = new Array(input.tasks.length);
  const cooldowns: SimulationResult["cooldowns"] = [];

  const { degradeAtMs, outageFromMs } = input.timeline;
  const outageToMs = outageFromMs + scenario.outage.seconds * 1000;
  const inOutage = (providerId: string, at: number) => providerId === scenario.outage.provider && at >= outageFromMs && at < outageToMs;

  const truth = (providerId: string, type: TaskType, at: number): TrueBehaviour => {
    const t = TRUTH[providerId]?.[type];
    if (!t) throw new Error(`no true behaviour for ${providerId} ${type}`);
    if (providerId === scenario.degradedProvider && at >= degradeAtMs) {
      return { ...t, success: scenario.degradedSuccess, medianSeconds: t.medianSeconds * scenario.degradedTimeFactor };
    }
    return t;
  };

  // ── the event queue (a binary heap on time, then insertion order) ──
  const heap: { at: number; seq: number; run: () => void }[] = [];
  let seq = 0;
  let now = 0;
  const at = (time: number, run: () => void) => {
    const item = { at: time, seq: seq++, run };
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (before(heap[parent]!, item)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  };
  const before = (a: { at: number; seq: number }, b: { at: number; seq: number }) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  const pop = () => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };

  // ── the shared provider state, as ProviderStateStore updates and lists it ──
  const observations = new ObservationBuckets(window);
  const cooling = new Map<string, { untilMs: number; reason: string }>();
  /** Bumped by every write; list() is recomputed when it or the window's start changed. */
  let version = 0;
  let listed: { version: number; from: number; states: ProviderState[] } | undefined;
  const list = (): ProviderState[] => {
    const from = windowStartOf(now, window);
    if (listed?.version === version && listed.from === from) return listed.states;
    const observed = observations.sums(now);
    const states = providers.map((p): ProviderState => {
      const cooldown = cooling.get(p.id);
      return {
        providerId: p.id,
        ...(cooldown ? { cooldownUntil: cooldown.untilMs, cooldownReason: cooldown.reason } : {}),
        observed: observed.get(p.id) ?? {},
      };
    });
    listed = { version, from, states };
    return states;
  };
  const recordAttempt = (providerId: string, type: TaskType, result: { kind: "solved"; solveSeconds: number } | { kind: "unsolvable" | "error" }) => {
    observations.recordAttempt(providerId, type, result, now);
    version++;
  };
  const recordReport = (providerId: string, type: TaskType, correct: boolean) => {
    observations.recordReport(providerId, type, correct, now);
    version++;
  };
  const setCooldown = (providerId: string, untilMs: number, reason: string) => {
    const current = cooling.get(providerId);
    if (current !== undefined && current.untilMs >= untilMs) return; // never shorten
    cooling.set(providerId, { untilMs, reason });
    version++;
    cooldowns.push({ providerId, atMs: now, untilMs, reason });
  };
  const coolingUntil = (providerId: string) => cooling.get(providerId)?.untilMs ?? 0;

  // ── the lifecycle ──
  const schedule = (t: TaskState, atMs: number, run: (t: TaskState) => void) => {
    const step = ++t.step;
    const delay = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((atMs - now) / 1000)));
    at(now + delay * 1000, () => {
      if (t.done || t.step !== step) return; // stale message
      if (now >= t.deadlineAt) return end(t, { error: "deadline exceeded" });
      run(t);
    });
  };
  /** Like schedule, for a wait in whole seconds (first result request, polls), cut short at the deadline. */
  const scheduleIn = (t: TaskState, seconds: number, run: (t: TaskState) => void) =>
    schedule(t, now + Math.min(seconds, Math.max(0, Math.ceil((t.deadlineAt - now) / 1000))) * 1000, run);

  const accept = (task: SimTask, position: number) => {
    const t: TaskState = { task, position, deadlineAt: task.arrivalMs + taskDeadlineSeconds(task.type) * 1000, step: 0, reservedMicro: 0, attempts: [], done: false };
    const decision = route({ type: task.type, priority }, providers, list(), { nowMs: now, explorationShare: input.explorationShare, random: explore });
    if (decision.kind === "none") return end(t, { error: decision.reason });
    t.planned = { providerId: decision.provider.id, priceMicro: decision.priceMicro };
    t.reservedMicro = decision.priceMicro;
    schedule(t, decision.kind === "cooling" ? decision.untilMs : now, submit);
  };

  const excluded = (t: TaskState) => new Set(t.attempts.filter((a) => a.state === "failed" && !a.error?.startsWith("retry:")).map((a) => a.providerId));

  const choose = (t: TaskState): { kind: "provider"; provider: Provider; priceMicro: Micro } | { kind: "wait"; untilMs: number } | { kind: "none"; reason: string } => {
    const planned = t.planned && providerOf.get(t.planned.providerId);
    if (t.attempts.length === 0 && planned?.enabled && planned.tasks[t.task.type] && !(coolingUntil(planned.id) > now)) {
      return { kind: "provider", provider: planned, priceMicro: t.reservedMicro };
    }
    const decision = route({ type: t.task.type, priority, exclude: excluded(t) }, providers, list(), { nowMs: now });
    if (decision.kind === "routed") return { kind: "provider", provider: decision.provider, priceMicro: decision.priceMicro };
    if (decision.kind === "cooling" && decision.untilMs < t.deadlineAt - attemptWindowSeconds(t.task.type) * 1000) {
      return { kind: "wait", untilMs: decision.untilMs };
    }
    return { kind: "none", reason: t.attempts.length ? "no provider could solve the task" : decision.reason };
  };

  function submit(t: TaskState) {
    const choice = choose(t);
    if (choice.kind === "none") return end(t, { error: choice.reason });
    if (choice.kind === "wait") return schedule(t, choice.untilMs, submit);
    const { provider, priceMicro } = choice;
    t.reservedMicro += Math.max(0, priceMicro - t.reservedMicro);
    const type = t.task.type;
    const nth = t.attempts.filter((a) => a.providerId === provider.id).length;
    const draws = keyed(seed, t.task.index, stringKey(provider.id), nth, PURPOSE.attempt);
    const behaviour = truth(provider.id, type, now);
    const u = draws();
    const outcome: Attempt["outcome"] = u < behaviour.success ? "solve" : draws() < behaviour.explicitFailure ? "fail" : "silent";
    const seconds = logNormal(draws, behaviour.medianSeconds * (outcome === "solve" ? 1 : 1.5), behaviour.sigma);
    const attempt: Attempt = {
      providerId: provider.id,
      priceMicro,
      startedAt: now,
      state: "polling",
      polls: 0,
      retries: 0,
      readyAt: now + Math.round(seconds * 1000),
      outcome,
      draws,
    };
    t.attempts.push(attempt);

    const transient = keyed(seed, t.task.index, stringKey(provider.id), nth, PURPOSE.transient)() < behaviour.transientErrors;
    if (transient || inOutage(provider.id, now)) {
      return attemptFailed(t, attempt, { fault: "retry", code: "HTTP_500", waitSeconds: POLL_INTERVAL_SECONDS }, "submit");
    }
    if (provider.protocol === "acedata") {
      // Synchronous: the submit call itself returns the answer (or the error) after the solve time.
      const step = ++t.step;
      at(attempt.readyAt, () => {
        if (t.done || t.step !== step) return;
        if (attempt.outcome === "solve") complete(t, attempt);
        else attemptFailed(t, attempt, { fault: "unsolvable", code: "ERROR_CAPTCHA_UNSOLVABLE" }, "submit");
      });
      return;
    }
    scheduleIn(t, firstWaitSeconds(type), (task) => poll(task, attempt));
  }

  function poll(t: TaskState, attempt: Attempt) {
    const type = t.task.type;
    // Past the attempt's window one last result request is still made before giving up.
    const windowOver = now >= attempt.startedAt + attemptWindowSeconds(type) * 1000;
    if (attempt.polls >= MAX_RESULT_REQUESTS) {
      return attemptFailed(t, attempt, { fault: "unsolvable", code: "NO_ANSWER" }, "poll");
    }
    attempt.polls++;
    scheduleIn(t, nextPollDelaySeconds(type, attempt.polls, attempt.startedAt, now), (task) => poll(task, attempt));
    const noAnswer = () => attemptFailed(t, attempt, { fault: "unsolvable", code: "NO_ANSWER" }, "poll");
    if (inOutage(attempt.providerId, now)) {
      if (windowOver) return noAnswer();
      if (attempt.retries + 1 <= MAX_TRANSIENT_ERRORS) {
        attempt.retries++;
        return;
      }
      return attemptFailed(t, attempt, { fault: "retry", code: "HTTP_500", waitSeconds: POLL_INTERVAL_SECONDS }, "poll");
    }
    attempt.retries = 0;
    const ready = attempt.outcome !== "silent" && now >= attempt.readyAt;
    if (!ready) return windowOver ? noAnswer() : undefined; // not ready
    if (attempt.outcome === "solve") return complete(t, attempt);
    attemptFailed(t, attempt, { fault: "unsolvable", code: "ERROR_CAPTCHA_UNSOLVABLE" }, "poll");
  }

  function attemptFailed(t: TaskState, attempt: Attempt, error: SimError, during: "submit" | "poll") {
    let fault = error.fault;
    if (fault === "retry" && during === "submit") {
      let trailing = 0;
      for (const a of [...t.attempts].reverse().slice(1)) {
        if (a.providerId !== attempt.providerId || !a.error?.startsWith("retry:")) break;
        trailing++;
      }
      if (trailing + 1 >= MAX_TRANSIENT_ERRORS) fault = "cooldown";
    } else if (fault === "retry") {
      fault = "cooldown";
    }
    if (fault === "cooldown") {
      const seconds = error.fault === "cooldown" ? (error.waitSeconds ?? 300) : TRANSIENT_COOLDOWN_SECONDS;
      setCooldown(attempt.providerId, now + seconds * 1000, `${error.code}`);
    }
    recordAttempt(attempt.providerId, t.task.type, { kind: fault === "unsolvable" ? "unsolvable" : "error" });
    attempt.state = "failed";
    attempt.error = fault === "retry" ? `retry: ${error.code}` : error.code;
    const wait = fault === "retry" ? Math.max(POLL_INTERVAL_SECONDS, error.waitSeconds ?? POLL_INTERVAL_SECONDS) : 0;
    schedule(t, now + wait * 1000, submit);
  }

  function complete(t: TaskState, attempt: Attempt) {
    attempt.state = "solved";
    const type = t.task.type;
    recordAttempt(attempt.providerId, type, { kind: "solved", solveSeconds: (now - attempt.startedAt) / 1000 });
    const behaviour = truth(attempt.providerId, type, attempt.startedAt);
    const correct = attempt.draws() < behaviour.accuracy;
    const reportDraw = attempt.draws();
    const delayDraw = attempt.draws();
    const reported = correct ? reportDraw < scenario.reportGoodRate : reportDraw < scenario.reportBadRate;
    if (reported) {
      const [lo, hi] = scenario.reportDelaySeconds;
      at(now + (lo + (hi - lo) * delayDraw) * 1000, () => recordReport(attempt.providerId, type, correct));
    }
    end(t, { solvedBy: attempt, correct });
  }

  function end(t: TaskState, how: { solvedBy: Attempt; correct: boolean } | { error: string }) {
    t.done = true;
    const solved = "solvedBy" in how;
    outcomes[t.position] = {
      type: t.task.type,
      status: solved ? "completed" : "failed",
      correct: solved && how.correct,
      chargedMicro: solved ? Math.min(how.solvedBy.priceMicro, t.reservedMicro) : 0,
      elapsedMs: now - t.task.arrivalMs,
      ...(solved ? { servedBy: how.solvedBy.providerId } : {}),
      ...(t.planned ? { plannedBy: t.planned.providerId } : {}),
      attempts: t.attempts.length,
      ...(solved ? {} : { error: how.error }),
      afterDegradation: t.task.arrivalMs >= degradeAtMs,
    };
  }

  input.tasks.forEach((task, position) => at(task.arrivalMs, () => accept(task, position)));
  while (heap.length > 0) {
    const event = pop();
    now = event.at;
    event.run();
  }
  return { outcomes, states: list(), cooldowns };
}
