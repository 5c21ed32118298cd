/**
 * The observation window: what the router observed RECENTLY, not since it started. Every
 * observation (an attempt's outcome, a team's report) is counted in the time bucket of the
 * moment it is recorded, per provider and task type; the routing figures are the sum over the
 * last `buckets` buckets, the current (partial) one included, so the window covers between
 * (buckets - 1) and buckets bucket lengths: 50 to 60 minutes with the defaults.
 *
 * Why a plain sum and not newer buckets weighted more: the window is already what makes a
 * degradation show (a provider that degrades is judged on its last hour, however long it was
 * good before), and the pricing table's prior (routing.ts PRIOR_WEIGHT) keeps a thin window
 * from swinging the figures. Weights would buy a little reaction speed at the price of
 * fractional counts ("12.4 attempts" in GET /v2/admin/providers) and of figures that change
 * when nothing happens, only because a bucket boundary passed. With a plain sum the figures
 * read as what they are: the attempts, answers and reports of the last hour.
 *
 * DynamoProviderStateStore (packages/functions) keeps the buckets as items that TTL removes;
 * ObservationBuckets below is the same thing in memory, for the unit tests' fake and the
 * routing benchmark's simulator.
 */
import type { AttemptResult, ProviderObservation } from "./ports.ts";
import type { TaskType } from "./task-types.ts";

export interface ObservationWindow {
  /** Length of one bucket, in ms; buckets start at multiples of it (epoch time). */
  bucketMs: number;
  /** Buckets counted, the current one included. */
  buckets: number;
}

/** Six 10-minute buckets: the last hour (50 to 60 minutes of it). */
export const OBSERVATION_WINDOW: ObservationWindow = { bucketMs: 10 * 60_000, buckets: 6 };

/** Start (epoch ms) of the bucket that holds `ms`. */
export const bucketStartOf = (ms: number, window: ObservationWindow = OBSERVATION_WINDOW): number =>
  Math.floor(ms / window.bucketMs) * window.bucketMs;

/** Start of the oldest bucket still counted at `nowMs`. */
export const windowStartOf = (nowMs: number, window: ObservationWindow = OBSERVATION_WINDOW): number =>
  bucketStartOf(nowMs, window) - (window.buckets - 1) * window.bucketMs;

export const emptyObservation = (): ProviderObservation => ({
  attempts: 0,
  solved: 0,
  unsolvable: 0,
  errors: 0,
  solveSecondsTotal: 0,
  reportsGood: 0,
  reportsBad: 0,
});

/** Counts one attempt's outcome (solve times in whole ms, as DynamoDB stores them). */
export function countAttempt(o: ProviderObservation, result: AttemptResult): void {
  o.attempts++;
  if (result.kind === "solved") {
    o.solved++;
    o.solveSecondsTotal += Math.round(result.solveSeconds * 1000) / 1000;
  } else if (result.kind === "unsolvable") o.unsolvable++;
  else o.errors++;
}

export function countReport(o: ProviderObservation, correct: boolean): void {
  if (correct) o.reportsGood++;
  else o.reportsBad++;
}

/** Adds `from` into `into`. */
export function addObservation(into: ProviderObservation, from: ProviderObservation): ProviderObservation {
  into.attempts += from.attempts;
  into.solved += from.solved;
  into.unsolvable += from.unsolvable;
  into.errors += from.errors;
  into.solveSecondsTotal += from.solveSecondsTotal;
  into.reportsGood += from.reportsGood;
  into.reportsBad += from.reportsBad;
  return into;
}

type Observed = Partial<Record<TaskType, ProviderObservation>>;

/**
 * Windowed counters in memory, with DynamoProviderStateStore's semantics: an observation goes
 * to the bucket of the time it is recorded; `window(nowMs)` sums the buckets still counted
 * (and forgets older ones, as TTL does). Time must not go back.
 */
export class ObservationBuckets {
  /** bucket start → provider → type → counters. */
  private readonly buckets = new Map<number, Map<string, Observed>>();

  constructor(readonly window: ObservationWindow = OBSERVATION_WINDOW) {}

  /** The counters of `providerId`/`type` in the bucket of `nowMs` (created empty). */
  bucket(providerId: string, type: TaskType, nowMs: number): ProviderObservation {
    const start = bucketStartOf(nowMs, this.window);
    let byProvider = this.buckets.get(start);
    if (!byProvider) this.buckets.set(start, (byProvider = new Map()));
    let observed = byProvider.get(providerId);
    if (!observed) byProvider.set(providerId, (observed = {}));
    return (observed[type] ??= emptyObservation());
  }

  recordAttempt(providerId: string, type: TaskType, result: AttemptResult, nowMs: number): void {
    countAttempt(this.bucket(providerId, type, nowMs), result);
  }

  recordReport(providerId: string, type: TaskType, correct: boolean, nowMs: number): void {
    countReport(this.bucket(providerId, type, nowMs), correct);
  }

  /** Per provider and type, the sum over the window that ends at `nowMs`. */
  sums(nowMs: number): Map<string, Observed> {
    const from = windowStartOf(nowMs, this.window);
    const sums = new Map<string, Observed>();
    for (const [start, byProvider] of this.buckets) {
      if (start < from) {
        this.buckets.delete(start);
        continue;
      }
      for (const [providerId, observed] of byProvider) {
        let sum = sums.get(providerId);
        if (!sum) sums.set(providerId, (sum = {}));
        for (const [type, o] of Object.entries(observed) as [TaskType, ProviderObservation][]) {
          addObservation((sum[type] ??= emptyObservation()), o);
        }
      }
    }
    return sums;
  }
}
