/**
 * Routing benchmark (`pnpm bench:routing [--seed N] [--tasks N] [--buckets N] [--bucket-minutes N]`):
 * the real routing policy
 * against simulated providers with the providers' published prices and speeds and a hidden true behaviour,
 * one of which degrades midway and another has a short outage; compared, per priority, with
 * sending every task to one provider alone. Deterministic for a seed. simulator.ts runs the real
 * worker against simulated upstreams; scenario.ts holds the providers' hidden behaviour. Exits
 * 1 when the acceptance bar is not met, or when a run breaks the money rules. --buckets and
 * --bucket-minutes change the observation window (observations.ts) for experiments; --buckets 0
 * counts every observation since the start (the lifetime counters the router had before).
 */
import { microToCreditsString } from "@solver-router/core";
import { OBSERVATION_WINDOW, type ObservationWindow } from "@solver-router/core";
import { priceAt, type Provider } from "@solver-router/core";
import { PRIORITIES, TASK_TYPES, type Priority, type TaskType } from "@solver-router/core";
import { credits, figures, mixWeighted, ofTypes, pct, secs, table, type Figures } from "./metrics.ts";
import { benchmarkProviders, SCENARIO, TASK_MIX, TRUTH, type Scenario } from "./scenario.ts";
import { generateTasks, simulate, timelineOf, type SimTask, type TaskOutcome } from "./simulator.ts";

/** The router's exploration share in production (functions/src/runtime.ts default). */
const EXPLORATION_SHARE = 0.02;

interface Args {
  seed: number;
  tasks: number;
  window: ObservationWindow;
}

const FLAGS = { "--seed": "seed", "--tasks": "tasks", "--buckets": "buckets", "--bucket-minutes": "bucketMinutes" } as const;

function parseArgs(argv: readonly string[]): Args {
  const options = { seed: 42, tasks: 10_000, buckets: OBSERVATION_WINDOW.buckets, bucketMinutes: OBSERVATION_WINDOW.bucketMs / 60_000 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    if (!(flag in FLAGS)) {
      if (flag === "--") continue;
      throw new Error(`unknown argument ${argv[i]} (use --seed N, --tasks N, --buckets N, --bucket-minutes N)`);
    }
    const key = FLAGS[flag as keyof typeof FLAGS];
    const value = Number(inline ?? argv[++i]);
    if (!Number.isInteger(value) || value < 0 || ((key === "tasks" || key === "bucketMinutes") && value < 1)) throw new Error(`${flag} needs a whole number`);
    options[key] = value;
  }
  const window: ObservationWindow =
    options.buckets === 0
      ? { bucketMs: Number.MAX_SAFE_INTEGER, buckets: 1 } // one bucket that never ends: lifetime counters
      : { bucketMs: options.bucketMinutes * 60_000, buckets: options.buckets };
  return { seed: options.seed, tasks: options.tasks, window };
}

const describeWindow = (w: ObservationWindow) =>
  w.bucketMs === Number.MAX_SAFE_INTEGER
    ? "every observation since the start (lifetime counters)"
    : `the last ${w.buckets} buckets of ${w.bucketMs / 60_000} min (${((w.buckets - 1) * w.bucketMs) / 60_000}-${(w.buckets * w.bucketMs) / 60_000} min)`;

interface Run {
  name: string;
  types: ReadonlySet<TaskType>;
  outcomes: TaskOutcome[];
}

/** Money rules broken in any run (must stay empty). */
const violations: string[] = [];

async function runPriority(
  seed: number,
  scenario: Scenario,
  tasks: readonly SimTask[],
  providers: readonly Provider[],
  priority: Priority,
  observationWindow: ObservationWindow,
): Promise<{ router: Run; alone: Run[] }> {
  const all = new Set(TASK_TYPES);
  const timeline = timelineOf(tasks, scenario);
  const routed = await simulate({ seed, providers, tasks, priority, scenario, timeline, explorationShare: EXPLORATION_SHARE, observationWindow });
  violations.push(...routed.violations);
  const router: Run = { name: "router", types: all, outcomes: routed.outcomes };
  const alone: Run[] = [];
  for (const provider of providers) {
    const types = new Set(Object.keys(provider.tasks) as TaskType[]);
    const served = tasks.filter((t) => types.has(t.type));
    const run = await simulate({ seed, providers: [provider], tasks: served, priority, scenario, timeline, explorationShare: 0, observationWindow });
    violations.push(...run.violations);
    alone.push({ name: provider.id, types, outcomes: run.outcomes });
  }
  return { router, alone };
}

const row = (name: string, f: Figures, weighted: number): string[] => [
  name,
  String(f.tasks),
  pct(f.answeredRate),
  pct(f.rightRate),
  credits(f.costPerRight),
  credits(f.netCostPerRight),
  credits(weighted),
  secs(f.p50),
  secs(f.p95),
];

/** The scenario for a run of `count` tasks: the events at tasks 5,000 and 7,500 of 10,000, earlier in shorter runs. */
const scenarioFor = (count: number): Scenario => ({
  ...SCENARIO,
  degradeAfterTask: Math.min(SCENARIO.degradeAfterTask, Math.floor(count / 2)),
  outage: { ...SCENARIO.outage, afterTask: Math.min(SCENARIO.outage.afterTask, Math.floor((count * 3) / 4)) },
});

async function main() {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  const { seed, tasks: count, window } = args;
  const scenario = scenarioFor(count);
  const started = Date.now();
  const providers = benchmarkProviders();
  const tasks = generateTasks(seed, count, scenario);
  const hours = (tasks[tasks.length - 1]?.arrivalMs ?? 0) / 3_600_000;

  console.log(`Routing benchmark — seed ${seed}, ${count} tasks arriving over ${hours.toFixed(2)} simulated hours (Poisson, mean gap ${scenario.meanInterArrivalSeconds} s)`);
  console.log(`Task mix: ${TASK_MIX.map(([t, s]) => `${t} ${Math.round(s * 100)}%`).join(", ")}`);
  console.log(
    `Events: ${scenario.degradedProvider} degrades at task ${scenario.degradeAfterTask} (success → ${scenario.degradedSuccess}, solve time ×${scenario.degradedTimeFactor}); ` +
      `${scenario.outage.provider} answers HTTP 500 for ${scenario.outage.seconds} s from task ${scenario.outage.afterTask}; ` +
      `teams report ${pct(scenario.reportBadRate)} of wrong answers (reportbad); router exploration share ${EXPLORATION_SHARE} (balanced).`,
  );
  console.log(`Observed figures: ${describeWindow(window)}.`);
  console.log("Providers (table price per priority speed/balanced/accuracy, table s, table accuracy → hidden truth: success, accuracy, median s):");
  for (const p of providers) {
    for (const [type, pricing] of Object.entries(p.tasks) as [TaskType, NonNullable<Provider["tasks"][TaskType]>][]) {
      const t = TRUTH[p.id]![type]!;
      const prices = [...new Set(PRIORITIES.map((q) => microToCreditsString(priceAt(pricing, q))))].join("/");
      console.log(
        `  ${p.id.padEnd(12)} ${type.padEnd(18)} ${prices.padEnd(14)} ${String(pricing.solveSeconds).padStart(3)} s  ${pricing.accuracy.toFixed(2)}  →  ${t.success.toFixed(2)}  ${t.accuracy.toFixed(2)}  ${t.medianSeconds} s`,
      );
    }
  }
  console.log(
    "\nDefinitions: answered = tasks with an answer / tasks; right = tasks with a right answer / tasks;\n" +
      "credits/right = credits charged / right answers (= cost per solved task; failed attempts are not charged,\n" +
      "wrong answers are, when answered); after refunds = the same once reported wrong answers the upstream\n" +
      "refunds (twocaptcha's reportbad) are given back; mix-weighted = each type's credits/right averaged with the task mix's shares (so that\n" +
      "answering more of the dear types does not count against a run); p50/p95 = seconds from arrival to answer.\n" +
      "A provider alone gets every task of the types it serves (same luck, same failure handling, no failover);\n" +
      "its row and the router's row under it cover only those types.",
  );

  const verdicts: { provider: string; ok: boolean; text: string; alone: number; aloneAnswered: number; router: number; routerAnswered: number }[] = [];
  let balancedRouter: (Figures & { weighted: number }) | undefined;
  for (const priority of PRIORITIES) {
    const { router, alone } = await runPriority(seed, scenario, tasks, providers, priority, window);
    const r = figures(router.outcomes);
    const rWeighted = mixWeighted(router.outcomes, TASK_MIX, router.types);
    if (priority === "balanced") balancedRouter = { ...r, weighted: rWeighted };
    const header = ["", "tasks", "answered", "right", "credits/right", "after refunds", "mix-weighted", "p50 s", "p95 s"];
    const rows: string[][] = [header, row("router, all types", r, rWeighted)];
    for (const run of alone) {
      const scope = run.types.size === TASK_TYPES.length ? "all types" : [...run.types].map(short).join("+");
      const a = figures(run.outcomes);
      const aWeighted = mixWeighted(run.outcomes, TASK_MIX, run.types);
      const sameOutcomes = ofTypes(router.outcomes, run.types);
      const same = figures(sameOutcomes);
      const sameWeighted = mixWeighted(sameOutcomes, TASK_MIX, run.types);
      rows.push(row(`${run.name} alone, ${scope}`, a, aWeighted), row(`  router on the same tasks`, same, sameWeighted));
      if (priority === "balanced") {
        const ok = sameWeighted < aWeighted && same.answeredRate >= a.answeredRate;
        const rawOk = same.costPerRight < a.costPerRight;
        verdicts.push({
          provider: run.name,
          ok,
          alone: aWeighted,
          aloneAnswered: a.answeredRate,
          router: sameWeighted,
          routerAnswered: same.answeredRate,
          text:
            `${run.name}: router ${credits(sameWeighted)} vs ${credits(aWeighted)} mix-weighted credits/right ` +
            `(overall ratio ${credits(same.costPerRight)} vs ${credits(a.costPerRight)}${rawOk ? "" : ", higher"}; ` +
            `after refunds ${credits(same.netCostPerRight)} vs ${credits(a.netCostPerRight)}), ` +
            `answered ${pct(same.answeredRate)} vs ${pct(a.answeredRate)} → ${ok ? "PASS" : "FAIL"}`,
        });
      }
    }
    console.log(`\n== priority: ${priority} ==`);
    console.log(table(rows));
    console.log(`\n${priority}: credits/right by task type (answered in brackets)`);
    const typeRows: string[][] = [["type", "router", ...alone.map((a) => a.name)]];
    for (const type of TASK_TYPES) {
      const cell = (outcomes: TaskOutcome[]) => {
        const f = figures(outcomes.filter((o) => o.type === type));
        return f.tasks ? `${credits(f.costPerRight)} (${pct(f.answeredRate)})` : "–";
      };
      typeRows.push([type, cell(router.outcomes), ...alone.map((a) => cell(a.outcomes))]);
    }
    console.log(table(typeRows));
    console.log(`\n${priority}: where the router sent the tasks (share of answers by provider), before → after the degradation`);
    console.log(shares(router.outcomes));
  }

  console.log(
    `\nAcceptance (balanced: on each provider's task types, the router's mix-weighted credits/right below that provider alone, answered rate equal or better):`,
  );
  for (const v of verdicts) console.log(`  ${v.text}`);
  const pass = verdicts.every((v) => v.ok);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const b = balancedRouter!;
  console.log(
    `\nSummary: with ${count} tasks (seed ${seed}) over ${hours.toFixed(2)} simulated hours, during which ${scenario.degradedProvider} degraded ` +
      `(success ${scenario.degradedSuccess}, ×${scenario.degradedTimeFactor} solve time from task ${scenario.degradeAfterTask}) and ${scenario.outage.provider} answered HTTP 500 ` +
      `for ${scenario.outage.seconds} s, the balanced router answered ${pct(b.answeredRate)} of the tasks, ${pct(b.rightRate)} right, at ` +
      `${credits(b.costPerRight)} credits charged per right answer (${credits(b.weighted)} mix-weighted; p50 ${secs(b.p50)} s, p95 ${secs(b.p95)} s to an answer). ` +
      `Each provider alone, on the task types it serves, against the router on the same tasks (mix-weighted credits per right answer, answered): ` +
      `${verdicts.map((v) => `${v.provider} ${credits(v.alone)} / ${pct(v.aloneAnswered)} vs router ${credits(v.router)} / ${pct(v.routerAnswered)}`).join("; ")}. ` +
      `The acceptance bar (cheaper per right answer than every provider alone at an equal or better answered rate) ${pass ? "is met" : `is NOT met (${verdicts.filter((v) => !v.ok).map((v) => v.provider).join(", ")})`}. ` +
      `(${seconds} s)`,
  );
  if (violations.length) console.log(`\nMoney rules broken: ${violations.slice(0, 5).join("; ")}`);
  if (!pass || violations.length) process.exitCode = 1;
}

const short = (type: TaskType) => type.replace(/Task$/, "");

function shares(outcomes: readonly TaskOutcome[]): string {
  const ids = [...new Set(outcomes.flatMap((o) => (o.servedBy ? [o.servedBy] : [])))].sort();
  const rows: string[][] = [["type", ...ids]];
  for (const type of TASK_TYPES) {
    const phase = (after: boolean) => outcomes.filter((o) => o.type === type && o.afterDegradation === after && o.servedBy);
    const before = phase(false);
    const after = phase(true);
    const share = (list: TaskOutcome[], id: string) => (list.length ? Math.round((100 * list.filter((o) => o.servedBy === id).length) / list.length) : 0);
    rows.push([type, ...ids.map((id) => `${share(before, id)}% → ${share(after, id)}%`)]);
  }
  return table(rows);
}

await main();
