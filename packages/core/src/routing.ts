/**
 * The routing policy: which provider gets a task. Pure: it sees the configured providers,
 * their shared state (cooldowns, observed figures) and the time, and returns a decision with
 * its reason and every candidate's figures.
 *
 * Candidates serve the task type, are enabled, are not cooling down, are not excluded (already
 * failed this task) and cost no more than max_price. Each candidate's figures blend the
 * pricing table with what the router observed, the table weighing as PRIOR_WEIGHT observations:
 *   success  = P(an attempt returns an answer)      (solved / attempts)
 *   accuracy = P(the answer is right)               (table, moved by reports over all answers:
 *              an unreported answer counts at the table's figure, reportgood as right, reportbad
 *              as wrong. Teams rarely report good answers, so reports alone are not a sample:
 *              bad / (good + bad) would fall towards 0 for whichever provider is used most; and
 *              counting unreported answers as right would lift it just for being used)
 *   seconds  = typical time to an answer            (table, then observed solve times)
 * Then, by priority:
 *   speed    → least expected time to a solved answer: seconds / success
 *   accuracy → highest chance of a right answer: success × accuracy
 *   balanced → least expected credits per right answer, with a latency penalty of 1% per 6 s
 *              of expected time so a much slower provider must be clearly cheaper. Only a
 *              solving attempt is charged, and a failed one moves the task to the next provider:
 *              the cost of trying a candidate first is that of the chain "candidate, then the
 *              best other candidate", (s·price + (1-s)·s'·price') / (s·acc + (1-s)·s'·acc'). A
 *              cheap provider that fails often stays first while failing over is still cheaper
 *              (its failures cost time, which the latency penalty weighs: seconds / success).
 * Ties go to the cheaper, then to the id. A small exploration share (balanced only) sends a
 * task to the least-observed other candidate whose score is within EXPLORATION_BAND of the
 * best, so close competitors keep producing figures; a clearly worse provider is never paid to
 * explore (its figures come back when old observations leave the window).
 */
import type { Micro } from "./money.ts";
import { microToCreditsString } from "./money.ts";
import { emptyObservation } from "./observations.ts";
import type { ProviderObservation, ProviderState } from "./ports.ts";
import { priceAt, type Provider } from "./providers.ts";
import type { Priority, TaskType } from "./task-types.ts";

export const PRIOR_WEIGHT = 20;
/** Exploration only considers candidates scoring at most this much worse than the best. */
export const EXPLORATION_BAND = 0.1;
const PRIOR_SUCCESS = 0.97;
const LATENCY_PENALTY_SECONDS = 600;

export interface RouteRequest {
  type: TaskType;
  priority: Priority;
  maxPriceMicro?: Micro;
  /** Providers this task already failed on. */
  exclude?: ReadonlySet<string>;
}

export interface RouteOptions {
  nowMs: number;
  /** Share of balanced tasks sent to explore (0 disables). */
  explorationShare?: number;
  /** A number in [0, 1); injected so tests and the benchmark are deterministic. */
  random?: () => number;
}

export interface CandidateFigures {
  providerId: string;
  priceMicro: Micro;
  success: number;
  accuracy: number;
  solveSeconds: number;
  expectedSeconds: number;
  samples: number;
  /** Lower is better, whatever the priority. */
  score: number;
}

export type RouteResult =
  | { kind: "routed"; provider: Provider; priceMicro: Micro; reason: string; candidates: CandidateFigures[] }
  | { kind: "cooling"; provider: Provider; priceMicro: Micro; untilMs: number; reason: string }
  | { kind: "none"; reason: string };

/** The figures the router uses for one provider and task type. */
export function blendFigures(
  provider: Provider,
  type: TaskType,
  priority: Priority,
  observed: ProviderObservation | undefined,
  /** How long a new submit would queue under the account's pace first. */
  queueSeconds = 0,
): Omit<CandidateFigures, "score"> | undefined {
  const table = provider.tasks[type];
  if (!table) return undefined;
  const o = observed ?? emptyObservation();
  const success = (PRIOR_WEIGHT * PRIOR_SUCCESS + o.solved) / (PRIOR_WEIGHT + o.attempts);
  // Answers seen: every solved attempt (reports without recorded answers count as answers too).
  // An unreported answer is no evidence either way: it counts at the table's accuracy, so a
  // provider's figure moves only with reports (and cannot drift up just by being used a lot).
  const answers = Math.max(o.solved, o.reportsGood + o.reportsBad);
  const unreported = Math.max(0, answers - o.reportsGood - o.reportsBad);
  const accuracy = ((PRIOR_WEIGHT + unreported) * table.accuracy + o.reportsGood) / (PRIOR_WEIGHT + answers);
  const solveSeconds = (PRIOR_WEIGHT * table.solveSeconds + o.solveSecondsTotal) / (PRIOR_WEIGHT + o.solved);
  return {
    providerId: provider.id,
    priceMicro: priceAt(table, priority),
    success,
    accuracy,
    solveSeconds,
    expectedSeconds: queueSeconds + solveSeconds / Math.max(success, 0.01),
    samples: o.attempts,
  };
}

/** Standalone score: each candidate judged as if it were the only one. */
function score(priority: Priority, f: Omit<CandidateFigures, "score">): number {
  const rightAnswer = Math.max(f.success * f.accuracy, 0.0001);
  switch (priority) {
    case "speed":
      return f.expectedSeconds;
    case "accuracy":
      return -rightAnswer;
    case "balanced":
      return (f.priceMicro / Math.max(f.accuracy, 0.0001)) * latencyFactor(f);
  }
}

const latencyFactor = (f: Omit<CandidateFigures, "score">) => 1 + f.expectedSeconds / LATENCY_PENALTY_SECONDS;

/**
 * Balanced: expected credits per right answer of trying `first`, failing over to `next` (the
 * best other candidate) if it returns no answer. Failed attempts are free; wrong answers are not.
 */
function chainScore(first: Omit<CandidateFigures, "score">, next: Omit<CandidateFigures, "score"> | undefined): number {
  const failOver = next ? (1 - first.success) * next.success : 0;
  const charged = first.success * first.priceMicro + failOver * (next?.priceMicro ?? 0);
  const right = first.success * first.accuracy + failOver * (next?.accuracy ?? 0);
  return (charged / Math.max(right, 0.0001)) * latencyFactor(first);
}

/** Scores every candidate; for balanced, as the first link of a chain with the best other one. */
function scoreAll<T extends { figures: Omit<CandidateFigures, "score"> }>(priority: Priority, candidates: T[]): (T & { figures: CandidateFigures })[] {
  const standalone = candidates.map((c) => ({ ...c, figures: { ...c.figures, score: score(priority, c.figures) } }));
  if (priority !== "balanced" || standalone.length < 2) return standalone;
  return standalone.map((c) => {
    const next = standalone.filter((o) => o !== c).sort((a, b) => byScore(a.figures, b.figures))[0]!;
    return { ...c, figures: { ...c.figures, score: chainScore(c.figures, next.figures) } };
  });
}

const byScore = (a: CandidateFigures, b: CandidateFigures) =>
  a.score - b.score || a.priceMicro - b.priceMicro || a.providerId.localeCompare(b.providerId);

export function route(
  request: RouteRequest,
  providers: readonly Provider[],
  states: readonly ProviderState[],
  options: RouteOptions,
): RouteResult {
  const stateOf = new Map(states.map((state) => [state.providerId, state]));
  const serving = providers.filter((p) => p.enabled && p.tasks[request.type] && !request.exclude?.has(p.id));
  if (serving.length === 0) {
    return { kind: "none", reason: `No ${request.exclude?.size ? "other " : ""}enabled provider serves ${request.type}` };
  }
  const figures = serving.map((provider) => ({
    provider,
    figures: blendFigures(provider, request.type, request.priority, stateOf.get(provider.id)?.observed[request.type], paceQueueSeconds(stateOf.get(provider.id), options.nowMs))!,
  }));
  const affordable = figures.filter(({ figures: f }) => request.maxPriceMicro === undefined || f.priceMicro <= request.maxPriceMicro);
  if (affordable.length === 0) {
    const cheapest = Math.min(...figures.map(({ figures: f }) => f.priceMicro));
    return {
      kind: "none",
      reason: `No provider serves ${request.type} within max_price ${microToCreditsString(request.maxPriceMicro!)}; the cheapest costs ${microToCreditsString(cheapest)}`,
    };
  }
  const coolingUntil = (id: string) => unavailableUntil(stateOf.get(id), options.nowMs);
  const available = affordable.filter(({ provider }) => coolingUntil(provider.id) === undefined);
  if (available.length === 0) {
    // Every provider that could serve is cooling down: wait for the first to come back rather
    // than refuse (a cooldown is never allowed to take the whole service out for long).
    const soonest = scoreAll(request.priority, affordable)
      .map((c) => ({ ...c, until: coolingUntil(c.provider.id)! }))
      .sort((a, b) => a.until - b.until || byScore(a.figures, b.figures))[0]!;
    return {
      kind: "cooling",
      provider: soonest.provider,
      priceMicro: soonest.figures.priceMicro,
      untilMs: soonest.until,
      reason: `every provider for ${request.type} is cooling down; ${soonest.provider.id} is back first`,
    };
  }
  const ranked = scoreAll(request.priority, available).sort((a, b) => byScore(a.figures, b.figures));
  const best = ranked[0]!;
  const candidates = ranked.map((c) => c.figures);
  const share = options.explorationShare ?? 0;
  const close = ranked.slice(1).filter((c) => c.figures.score <= best.figures.score * (1 + EXPLORATION_BAND));
  if (request.priority === "balanced" && close.length > 0 && share > 0 && (options.random ?? Math.random)() < share) {
    const explored = close.sort((a, b) => a.figures.samples - b.figures.samples || byScore(a.figures, b.figures))[0]!;
    return {
      kind: "routed",
      provider: explored.provider,
      priceMicro: explored.figures.priceMicro,
      reason: `exploration: ${explored.provider.id} has ${explored.figures.samples} observed attempts`,
      candidates,
    };
  }
  return {
    kind: "routed",
    provider: best.provider,
    priceMicro: best.figures.priceMicro,
    reason: describe(request.priority, best.figures, ranked[1]?.figures),
    candidates,
  };
}

/**
 * How long a new submit to the account would queue under its pace (its submits booked ahead):
 * counted in the expected time to an answer, so a burst beyond one account's documented rate
 * flows to other providers as the wait outgrows their difference in price or speed.
 */
export function paceQueueSeconds(state: ProviderState | undefined, nowMs: number): number {
  return Math.max(0, ((state?.paceFreeAt ?? 0) - nowMs) / 1000);
}

/** Until when a provider takes no new task: a cooldown or a rate-limit pause; undefined when it does now. */
export function unavailableUntil(state: ProviderState | undefined, nowMs: number): number | undefined {
  const until = Math.max(state?.cooldownUntil ?? 0, state?.pausedUntil ?? 0);
  return until > nowMs ? until : undefined;
}

function describe(priority: Priority, best: CandidateFigures, next: CandidateFigures | undefined): string {
  const vs = next ? `; next ${next.providerId}` : "; only candidate";
  switch (priority) {
    case "speed":
      return `speed: fastest expected answer (${best.expectedSeconds.toFixed(1)} s${next ? `${vs} ${next.expectedSeconds.toFixed(1)} s` : vs})`;
    case "accuracy":
      return `accuracy: most likely right answer (${pct(best.success * best.accuracy)}${next ? `${vs} ${pct(next.success * next.accuracy)}` : vs})`;
    case "balanced":
      return `balanced: lowest expected cost per solved task (${microToCreditsString(Math.round(best.score))} credits at price ${microToCreditsString(best.priceMicro)}${next ? `${vs} ${microToCreditsString(Math.round(next.score))}` : vs})`;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
