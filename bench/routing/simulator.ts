/**
 * The routing benchmark's simulation: the router's real worker (`handleTaskMessage`, through
 * the in-memory world of packages/core/test/fakes.ts — the same stores, queue and queue runner
 * the core tests use) against simulated upstreams whose behaviour is the hidden truth of
 * scenario.ts. Tasks arrive at their simulated times through the real `submitTask`; teams'
 * reports go through the real `reportTask`. Nothing of the lifecycle is re-implemented here:
 * only the upstreams are simulated.
 *
 * The upstreams draw from keyed randomness, so that the router's run and every single-provider
 * run see the same luck for the same task on the same provider. A synchronous upstream
 * (acedata) answers within the submit call: its solve time is added to the clock the worker
 * reads during that delivery, as a real call would take it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  isFinished,
  reportTask,
  submitTask,
  type Clock,
  type Micro,
  type ObservationWindow,
  type PollOutcome,
  type Priority,
  type Provider,
  type ProviderAdapter,
  type SubmitOutcome,
  type TaskType,
  type UnifiedTask,
} from "@solver-router/core";
import { createWorld, moneyViolations, payloadFor, solutionFor, START_MS } from "../../packages/core/test/fakes.ts";
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
  /** What the task was charged when answered (wrong answers included). */
  chargedMicro: Micro;
  /** Given back after a reportbad the upstream recorded (twocaptcha refunds wrong answers it accepts a report for). */
  refundedMicro: Micro;
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
  /** Money rules broken (balance + reserved + charged = credited…), checked at the end: must be empty. */
  violations: string[];
}

const PURPOSE = { attempt: 2, transient: 3 } as const;
/** The field that carries the simulated task's index through the payload to the upstream. */
const SIM_INDEX = "sim_index";
const TEAM_CREDITS = 1_000_000_000 * 1_000_000;

/** One captcha an upstream accepted: what it will answer, and when. */
interface Captcha {
  outcome: "solve" | "fail" | "silent";
  readyAt: number;
  correct: boolean;
  /** Whether the team reports it, and when after the answer (seconds). */
  report?: number;
}

/** The extra time a synchronous upstream call of the current delivery has taken. */
const syncCall = new AsyncLocalStorage<{ extraMs: number }>();

export async function simulate(input: SimulationInput): Promise<SimulationResult> {
  const { providers, priority, scenario, seed } = input;
  const world = createWorld({
    providers: [...providers],
    explorationShare: input.explorationShare,
    random: mulberry32(mix(seed, 0xe8, stringKey(priority))),
    ...(input.observationWindow ? { observationWindow: input.observationWindow } : {}),
  });
  const { clock: fakeClock, runner, tasks, teams } = world;
  // The worker reads this clock: a synchronous upstream call moves it on for its own delivery only.
  const clock: Clock = { now: () => fakeClock.now() + (syncCall.getStore()?.extraMs ?? 0) };
  world.ctx.clock = clock;
  runner.deliveryContext = (deliver) => syncCall.run({ extraMs: 0 }, deliver);
  // Money rules are checked once at the end (after every write they would cost O(n²)).
  tasks.onWrite = undefined;
  runner.afterDelivery = undefined;

  const since = (ms: number) => START_MS + ms;
  const { degradeAtMs, outageFromMs } = input.timeline;
  const outageToMs = outageFromMs + scenario.outage.seconds * 1000;
  const inOutage = (providerId: string, at: number) => providerId === scenario.outage.provider && at >= since(outageFromMs) && at < since(outageToMs);
  const truth = (providerId: string, type: TaskType, at: number): TrueBehaviour => {
    const t = TRUTH[providerId]?.[type];
    if (!t) throw new Error(`no true behaviour for ${providerId} ${type}`);
    if (providerId === scenario.degradedProvider && at >= since(degradeAtMs)) {
      return { ...t, success: scenario.degradedSuccess, medianSeconds: t.medianSeconds * scenario.degradedTimeFactor };
    }
    return t;
  };

  const captchas = new Map<string, Captcha>();
  const submitsOf = new Map<string, number>();
  let ids = 0;
  const outage = (): { kind: "error"; error: { fault: "retry"; code: string; message: string; waitSeconds: number } } => ({
    kind: "error",
    error: { fault: "retry", code: "HTTP_500", message: "The provider answered HTTP 500.", waitSeconds: 5 },
  });

  /** What the upstream does with a submit: accept (or answer at once when synchronous), or fail. */
  const accept = (provider: Provider, task: UnifiedTask, synchronous: boolean): SubmitOutcome => {
    const now = clock.now();
    const index = (task.fields as unknown as Record<string, number>)[SIM_INDEX]!;
    const key = `${index}#${provider.id}`;
    const nth = submitsOf.get(key) ?? 0;
    submitsOf.set(key, nth + 1);
    const behaviour = truth(provider.id, task.type, now);
    if (inOutage(provider.id, now) || keyed(seed, index, stringKey(provider.id), nth, PURPOSE.transient)() < behaviour.transientErrors) return outage();
    const draws = keyed(seed, index, stringKey(provider.id), nth, PURPOSE.attempt);
    const outcome: Captcha["outcome"] = draws() < behaviour.success ? "solve" : draws() < behaviour.explicitFailure ? "fail" : "silent";
    const seconds = logNormal(draws, behaviour.medianSeconds * (outcome === "solve" ? 1 : 1.5), behaviour.sigma);
    const correct = draws() < behaviour.accuracy;
    const reportDraw = draws();
    const delayDraw = draws();
    const reported = correct ? reportDraw < scenario.reportGoodRate : reportDraw < scenario.reportBadRate;
    const [lo, hi] = scenario.reportDelaySeconds;
    const upstreamId = `${provider.id}-${++ids}`;
    const captcha: Captcha = { outcome, readyAt: now + Math.round(seconds * 1000), correct, ...(reported ? { report: lo + (hi - lo) * delayDraw } : {}) };
    captchas.set(upstreamId, captcha);
    if (!synchronous) return { kind: "submitted", upstreamId };
    const call = syncCall.getStore();
    if (call) call.extraMs += captcha.readyAt - now; // the call returns once the upstream has solved it
    return outcome === "solve"
      ? { kind: "solved", solution: solutionFor(task.type, ids), upstreamId }
      : { kind: "error", error: { fault: "unsolvable", code: "ERROR_CAPTCHA_UNSOLVABLE", message: "The provider could not solve the captcha." } };
  };

  const answer = (provider: Provider, upstreamId: string, type: TaskType): PollOutcome => {
    const now = clock.now();
    if (inOutage(provider.id, now)) return outage();
    const captcha = captchas.get(upstreamId);
    if (!captcha) throw new Error(`unknown captcha ${upstreamId}`);
    if (captcha.outcome === "silent" || now < captcha.readyAt) return { kind: "not_ready" };
    if (captcha.outcome === "solve") return { kind: "solved", solution: solutionFor(type) };
    return { kind: "error", error: { fault: "unsolvable", code: "ERROR_CAPTCHA_UNSOLVABLE", message: "The provider could not solve the captcha." } };
  };

  const polling = (protocol: string, taskTypes: readonly TaskType[], reports: boolean): ProviderAdapter => ({
    protocol,
    taskTypes,
    submit: async (provider, task) => accept(provider, task, false),
    poll: async (provider, upstreamId, type) => answer(provider, upstreamId, type),
    ...(reports ? { report: async () => ({ kind: "recorded" as const }) } : {}),
  });
  world.ctx.adapters = {
    // Like the real adapters: twocaptcha polls and takes reports, solverv2 polls, acedata answers in the submit.
    twocaptcha: polling("twocaptcha", Object.keys(TRUTH["2captcha"] ?? {}) as TaskType[], true),
    solverv2: polling("solverv2", ["HcaptchaImageTask", "RecaptchaV2Task"], false),
    acedata: { protocol: "acedata", taskTypes: ["HcaptchaImageTask"], submit: async (provider, task) => accept(provider, task, true) },
  };

  const team = teams.seed(TEAM_CREDITS);
  const taskIds: (string | undefined)[] = new Array(input.tasks.length);
  const failedAtSubmit: TaskOutcome[] = [];
  /** Reports due, in time order. */
  const reports: { at: number; taskId: string; correct: boolean }[] = [];
  /** Submitted tasks not yet seen finished. */
  const open = new Set<string>();
  const queueReports = () => {
    for (const taskId of open) {
      const task = tasks.tasks.get(taskId);
      if (!task || !isFinished(task.status)) continue;
      open.delete(taskId);
      const solved = task.attempts.find((a) => a.state === "solved");
      const captcha = solved?.upstreamId ? captchas.get(solved.upstreamId) : undefined;
      if (task.status === "completed" && captcha?.report !== undefined) {
        reports.push({ at: (task.completedAt ?? fakeClock.now()) + captcha.report * 1000, taskId, correct: captcha.correct });
      }
    }
    reports.sort((a, b) => a.at - b.at);
  };

  // Arrivals and reports happen at their simulated times; between them the queue runner delivers
  // what falls due (and sweeps once a minute, like the scheduled sweeper).
  let next = 0;
  for (;;) {
    const arrival = next < input.tasks.length ? since(input.tasks[next]!.arrivalMs) : Infinity;
    const report = reports[0]?.at ?? Infinity;
    const at = Math.min(arrival, report);
    if (at === Infinity) {
      await runner.run({ maxSeconds: 24 * 3600 });
      queueReports();
      if (reports.length === 0) break;
      continue;
    }
    if (at > fakeClock.now()) await runner.run({ maxSeconds: (at - fakeClock.now()) / 1000 });
    fakeClock.set(Math.max(fakeClock.now(), at));
    queueReports();
    if ((reports[0]?.at ?? Infinity) < at) continue; // a task finished meanwhile whose report is due first
    if (report <= arrival) {
      const due = reports.shift()!;
      await reportTask(world.ctx, team.teamId, due.taskId, due.correct);
      continue;
    }
    const sim = input.tasks[next]!;
    const position = next++;
    const payload = payloadFor(sim.type);
    const task = { ...payload, fields: { ...payload.fields, [SIM_INDEX]: sim.index } } as unknown as UnifiedTask;
    try {
      const taskId = (await submitTask(world.ctx, { teamId: team.teamId, task, priority })).task_id;
      taskIds[position] = taskId;
      open.add(taskId);
    } catch (error) {
      // Refused at submit (no provider can take it now): failed at once, nothing charged.
      failedAtSubmit[position] = {
        type: sim.type,
        status: "failed",
        correct: false,
        chargedMicro: 0,
        refundedMicro: 0,
        elapsedMs: 0,
        attempts: 0,
        error: String(error),
        afterDegradation: sim.arrivalMs >= degradeAtMs,
      };
    }
  }

  const outcomes = input.tasks.map((sim, position): TaskOutcome => {
    const taskId = taskIds[position];
    if (!taskId) return failedAtSubmit[position]!;
    const task = tasks.peek(taskId);
    const solved = task.attempts.find((a) => a.state === "solved");
    const captcha = solved?.upstreamId ? captchas.get(solved.upstreamId) : undefined;
    return {
      type: sim.type,
      status: task.status === "completed" ? "completed" : "failed",
      correct: task.status === "completed" && captcha?.correct === true,
      chargedMicro: ((task.chargedMicro ?? 0) + (task.refundedMicro ?? 0)) as Micro,
      refundedMicro: (task.refundedMicro ?? 0) as Micro,
      elapsedMs: (task.completedAt ?? task.createdAt) - task.createdAt,
      ...(solved ? { servedBy: solved.providerId } : {}),
      plannedBy: task.attempts[0]?.providerId ?? task.routing.providerId,
      attempts: task.attempts.length,
      ...(task.error ? { error: task.error } : {}),
      afterDegradation: sim.arrivalMs >= degradeAtMs,
    };
  });
  return { outcomes, violations: moneyViolations(teams, tasks) };
}
