/**
 * `pnpm bench:flow`: how the router talks to one 2Captcha-protocol account that behaves like the
 * service — the documented request limits enforced, pingback only to registered hosts, realistic
 * solve times (images 4-12 s, tokens 15-45 s, drawn from a seed) — in three runs, each on a
 * fresh local stack whose only provider is that sandbox:
 *
 *  1. "pingback available": the realistic mix, paced under the in.php limit; registration works.
 *  2. "pingback unavailable": the same mix; add_pingback answers ERROR_IP_ADDRES.
 *     For both: res.php result requests per solved task, whether the router used pingback, and
 *     the answer lag — the router's completed_at minus the moment the sandbox solved the captcha
 *     (p50/p90; the callback's arrival too).
 *  3. "burst": 1,000 image tasks within 10 s from 10 teams, the 60-per-3-s in.php limit
 *     enforced: completed, failed (and why), the most in.php requests the sandbox saw in any 3 s
 *     (overall and after the first MAX_USER_TURN block ended), time to the last answer.
 *
 * Results come back through `callback_url`, so the benchmark never polls the router. The
 * router's pingback support (ROUTER_PUBLIC_URL, per-attempt pingback URLs, add_pingback) is
 * used if it is there; the figures say what happened either way.
 *
 * `--acceptance` checks the flow-control targets and exits 1 when it is missed: with pingback ≤ 0.3 result
 * requests per solved task and answer lag p50 ≤ 1 s; without ≤ 1.5; in the burst 0 failed and at
 * most 60 in.php requests in any 3 s once the first block has ended.
 *
 *   pnpm bench:flow [--tasks 150] [--rate 10] [--burst 1000] [--burst-seconds 10] [--teams 10]
 *                   [--seed 1] [--solve-scale 1] [--only pingback,no-pingback,burst] [--acceptance]
 * A small run: --tasks 20 --burst 100 --burst-seconds 2 --solve-scale 0.2
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generateApiKey } from "@solver-router/core";
import { freePort } from "@solver-router/local";
import {
  REALISTIC_TWOCAPTCHA_SOLVE_TIMES,
  startTwocaptchaSandbox,
  type SolveTimeRange,
  type TwocaptchaSandbox,
  type TwocaptchaSandboxCaptchaStats,
  type TwocaptchaSandboxKind,
  type TwocaptchaSandboxOptions,
} from "@solver-router/sandbox";
import { startBenchStack } from "./bench-stack.ts";
import { startCallbackReceiver, type ReceivedResult } from "./callback-receiver.ts";
import { countBy, positiveInt } from "./cli.ts";
import { realisticMix, taskBody, type MixTask } from "./mix.ts";
import { RouterClient } from "./router-client.ts";
import { percentile, round, table } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    tasks: { type: "string", default: "150" },
    rate: { type: "string", default: "10" },
    burst: { type: "string", default: "1000" },
    "burst-seconds": { type: "string", default: "10" },
    teams: { type: "string", default: "10" },
    seed: { type: "string", default: "1" },
    "solve-scale": { type: "string", default: "1" },
    "end-timeout-seconds": { type: "string", default: "600" },
    only: { type: "string", default: "pingback,no-pingback,burst" },
    acceptance: { type: "boolean", default: false },
  },
});

const mixTasks = positiveInt(args.tasks, "--tasks");
const mixRate = positiveInt(args.rate, "--rate");
const burstTasks = positiveInt(args.burst, "--burst");
const burstSeconds = positiveInt(args["burst-seconds"], "--burst-seconds");
const teamCount = positiveInt(args.teams, "--teams");
const seed = positiveInt(args.seed, "--seed");
const endTimeoutMs = positiveInt(args["end-timeout-seconds"], "--end-timeout-seconds") * 1000;
const solveScale = Number(args["solve-scale"]);
if (!(solveScale > 0)) throw new Error(`--solve-scale must be a number > 0, got ${args["solve-scale"]}`);
const runs = new Set(args.only.split(",").map((s) => s.trim()));

/** The one provider, in the providers-file format; figures as packages/core/src/default-pricing.ts has them for 2captcha. */
const PROVIDER_TASKS = {
  ImageToTextTask: { price: 0.1, solve_seconds: 3, accuracy: 0.9 },
  RecaptchaV2Task: { price: 0.299, solve_seconds: 20, accuracy: 0.95 },
  RecaptchaV3Task: { price: 0.299, solve_seconds: 15, accuracy: 0.9 },
  TurnstileTask: { price: 0.145, solve_seconds: 12, accuracy: 0.95 },
  HcaptchaImageTask: { price: 0.12, solve_seconds: 10, accuracy: 0.85 },
};

const solveTimes = Object.fromEntries(
  Object.entries(REALISTIC_TWOCAPTCHA_SOLVE_TIMES).map(([kind, [min, max]]) => [kind, [min * solveScale, max * solveScale] as SolveTimeRange]),
) as Record<TwocaptchaSandboxKind, SolveTimeRange>;

console.log(
  `bench:flow — seed ${seed}; one 2Captcha-protocol sandbox account: documented limits enforced, pingback registration required, ` +
    `solve times images ${fmtRange(solveTimes.normal)}, tokens ${fmtRange(solveTimes.recaptcha_v2)}`,
);

let exitCode = 0;
/** The flow-control targets that were missed (checked with --acceptance). */
const breaches: string[] = [];
const check = (ok: boolean, breach: string) => {
  if (args.acceptance && !ok) breaches.push(breach);
};
if (runs.has("pingback")) {
  await guarded(async () => {
    const { perSolved, lagP50 } = await mixRun("pingback available", {});
    check(perSolved <= 0.3, `with pingback: ${round(perSolved, 2)} result requests per solved task > 0.3`);
    check(lagP50 <= 1_000, `with pingback: answer lag p50 ${fmtMs(lagP50)} > 1 s`);
  });
}
if (runs.has("no-pingback")) {
  await guarded(async () => {
    const { perSolved } = await mixRun("pingback unavailable (add_pingback refused)", { refusePingbackRegistration: true });
    check(perSolved <= 1.5, `without pingback: ${round(perSolved, 2)} result requests per solved task > 1.5`);
  });
}
if (runs.has("burst")) {
  await guarded(async () => {
    const { failed, maxAfterLearning } = await burstRun();
    check(failed === 0, `burst: ${failed} tasks failed`);
    check(maxAfterLearning <= 60, `burst: ${maxAfterLearning} in.php requests within 3 s once the limit was known`);
  });
}
if (breaches.length > 0) {
  console.log(`\nFAIL (flow-control targets): ${breaches.join("; ")}`);
  exitCode ||= 1;
} else if (args.acceptance && exitCode === 0) {
  console.log("\nPASS: every flow-control target holds");
}
process.exit(exitCode);

async function guarded(run: () => Promise<void>) {
  try {
    await run();
  } catch (error) {
    console.error(`run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    exitCode = 2;
  }
}

async function mixRun(title: string, sandboxOptions: Partial<TwocaptchaSandboxOptions>) {
  const tasks = realisticMix(mixTasks, seed);
  const measured = { perSolved: Number.NaN, lagP50: Number.NaN };
  await withStack(sandboxOptions, async ({ sandbox, submitPaced, receiver }) => {
    console.log(`\n── ${title}: ${tasks.length} tasks of the realistic mix at ${mixRate}/s ──`);
    const { taskIds, refused, firstSubmitAt } = await submitPaced(tasks, mixRate);
    const ended = await waitForEnd(receiver, taskIds);
    const results = taskIds.map((id) => receiver.results.get(id)).filter((r): r is ReceivedResult => r !== undefined);
    const completed = results.filter((r) => r.status === "completed");
    const stats = Object.values(sandbox.stats());
    const resultRequests = sandbox.requests.filter((r) => r.path === "/res.php" && (r.params.action === "get" || r.params.action === "get2"));
    const batched = resultRequests.filter((r) => r.params.ids !== undefined);
    const lags = answerLags(completed, stats);
    const pingbacks = countBy(stats.map((s) => s.pingback?.status ?? "none requested"));

    console.log(
      table([
        ["", "value"],
        ["submitted / refused", `${taskIds.length} / ${refused.length}`],
        ["ended", `${ended} of ${taskIds.length}`],
        ["completed / failed", `${completed.length} / ${results.length - completed.length}`],
        ["captchas uploaded (in.php OK)", stats.length],
        ["res.php result requests", resultRequests.length],
        ["  of which ids= batches", batched.length],
        ["result requests per solved task", completed.length ? round(resultRequests.length / completed.length, 2) : "n/a"],
        ["res.php requests, all actions", sandbox.limits().resPhpRequests],
        ["pingback add_pingback calls", sandbox.requests.filter((r) => r.params.action === "add_pingback").length],
        ["pingbacks", Object.entries(pingbacks).map(([s, c]) => `${c} ${s}`).join(", ")],
        ["answer lag p50 / p90 (completed_at − solved)", `${fmtMs(percentile(lags.router, 50))} / ${fmtMs(percentile(lags.router, 90))}`],
        ["callback lag p50 / p90 (callback arrived − solved)", `${fmtMs(percentile(lags.callback, 50))} / ${fmtMs(percentile(lags.callback, 90))}`],
        ["answers traced to their captcha", `${lags.router.length} of ${completed.length}`],
        ["max in.php per 3 s / blocks", `${sandbox.limits().maxInPhpPerWindow} / ${blockSummary(sandbox)}`],
        ["first submit → last answer", fmtMs(lastAnswerAt(results) - firstSubmitAt)],
      ]),
    );
    printFailures(results);
    measured.perSolved = completed.length ? resultRequests.length / completed.length : Number.POSITIVE_INFINITY;
    measured.lagP50 = percentile(lags.router, 50);
  });
  return measured;
}

async function burstRun() {
  const tasks: MixTask[] = Array.from({ length: burstTasks }, (_, i) => ({ type: "ImageToTextTask", body: taskBody("ImageToTextTask", i) }));
  const measured = { failed: Number.NaN, maxAfterLearning: Number.NaN };
  await withStack({}, async ({ sandbox, submitPaced, receiver }) => {
    console.log(`\n── burst: ${burstTasks} image tasks within ${burstSeconds} s from ${teamCount} teams, one account, 60 in.php per 3 s enforced ──`);
    const { taskIds, refused, firstSubmitAt } = await submitPaced(tasks, burstTasks / burstSeconds);
    const ended = await waitForEnd(receiver, taskIds);
    const results = taskIds.map((id) => receiver.results.get(id)).filter((r): r is ReceivedResult => r !== undefined);
    const completed = results.filter((r) => r.status === "completed");
    const limits = sandbox.limits();
    const firstBlockEnd = limits.blocks.find((b) => b.code === "MAX_USER_TURN")?.until;
    measured.failed = taskIds.length - completed.length;
    measured.maxAfterLearning = firstBlockEnd === undefined ? limits.maxInPhpPerWindow : maxInPhpPer3s(sandbox, firstBlockEnd);

    console.log(
      table([
        ["", "value"],
        ["submitted / refused", `${taskIds.length} / ${refused.length}`],
        ["ended", `${ended} of ${taskIds.length}`],
        ["completed", completed.length],
        ["failed", results.length - completed.length],
        ["in.php requests / captchas uploaded", `${limits.inPhpRequests} / ${limits.uploads}`],
        ["MAX_USER_TURN and other blocked answers", limits.blockedAnswers],
        ["blocks imposed", blockSummary(sandbox)],
        ["max in.php per 3 s (whole run)", limits.maxInPhpPerWindow],
        ["max in.php per 3 s after the first block ended", firstBlockEnd === undefined ? "no block" : maxInPhpPer3s(sandbox, firstBlockEnd)],
        ["first submit → last answer", fmtMs(lastAnswerAt(results) - firstSubmitAt)],
      ]),
    );
    printFailures(results);
  });
  return measured;
}

interface StackRun {
  sandbox: TwocaptchaSandbox;
  receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;
  submitPaced(tasks: MixTask[], perSecond: number): Promise<{ taskIds: string[]; refused: string[]; firstSubmitAt: number }>;
}

/** A sandbox account, a stack whose only provider it is, teams, a callback receiver; all stopped afterwards. */
async function withStack(sandboxOptions: Partial<TwocaptchaSandboxOptions>, body: (run: StackRun) => Promise<void>) {
  const apiKey = generateApiKey();
  const sandbox = await startTwocaptchaSandbox({
    apiKey,
    name: "2captcha",
    seed,
    solveTimeRangesMs: solveTimes,
    enforceLimits: true,
    requirePingbackRegistration: true,
    ...sandboxOptions,
  });
  const dir = await mkdtemp(join(tmpdir(), "bench-flow-"));
  const providersFile = join(dir, "providers.json");
  await writeFile(
    providersFile,
    JSON.stringify({ providers: [{ id: "2captcha", protocol: "twocaptcha", base_url: sandbox.url, api_key: apiKey, enabled: true, tasks: PROVIDER_TASKS }] }),
  );
  // The router's public URL is its own API locally (for pingback URLs, where the router has them).
  const port = await freePort();
  const previousPublicUrl = process.env.ROUTER_PUBLIC_URL;
  process.env.ROUTER_PUBLIC_URL = `http://127.0.0.1:${port}`;
  const bench = await startBenchStack({ port, providersFile });
  const receiver = await startCallbackReceiver();
  const client = new RouterClient(bench.stack.apiUrl, 64);
  try {
    const teams = await client.createTeams(bench.stack.adminKey, teamCount, 100_000, "bench-flow");
    await body({
      sandbox,
      receiver,
      async submitPaced(tasks, perSecond) {
        const taskIds: string[] = [];
        const refused: string[] = [];
        const firstSubmitAt = Date.now();
        const pending: Promise<void>[] = [];
        for (let i = 0; i < tasks.length; i++) {
          const due = firstSubmitAt + (i * 1000) / perSecond;
          if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
          pending.push(
            client
              .submit(teams[i % teams.length]!.apiKey, { ...tasks[i]!.body, callback_url: receiver.url })
              .then((answer) => {
                if (answer.taskId) taskIds.push(answer.taskId);
                else refused.push(`HTTP ${answer.status}: ${answer.detail}`);
              })
              .catch((error: unknown) => {
                refused.push(`network: ${error instanceof Error ? error.message : String(error)}`);
              }),
          );
        }
        await Promise.all(pending);
        for (const [reason, count] of Object.entries(countBy(refused))) console.log(`  refused ${count} × ${reason}`);
        return { taskIds, refused, firstSubmitAt };
      },
    });
  } finally {
    await client.close();
    await receiver.close();
    await bench.stop();
    await sandbox.close();
    if (previousPublicUrl === undefined) delete process.env.ROUTER_PUBLIC_URL;
    else process.env.ROUTER_PUBLIC_URL = previousPublicUrl;
  }
}

/** How many of the tasks ended before the timeout (callbacks). */
async function waitForEnd(receiver: StackRun["receiver"], taskIds: string[]): Promise<number> {
  try {
    await receiver.waitFor(taskIds, endTimeoutMs);
  } catch (error) {
    console.log(`  not every task ended: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = 1;
  }
  return taskIds.filter((id) => receiver.results.has(id)).length;
}

/** Answer lags in ms, for each completed task whose answer traces back to a sandbox captcha. */
function answerLags(completed: ReceivedResult[], stats: TwocaptchaSandboxCaptchaStats[]) {
  const solvedAtByAnswer = new Map(stats.filter((s) => s.answer !== undefined && s.solvedAt !== undefined).map((s) => [s.answer!, s.solvedAt!]));
  const router: number[] = [];
  const callback: number[] = [];
  for (const result of completed) {
    const solvedAt = solvedAtByAnswer.get(answerKey(result.body.solution));
    const completedAt = Date.parse(String(result.body.completed_at));
    if (solvedAt === undefined || Number.isNaN(completedAt)) continue;
    router.push(completedAt - solvedAt);
    callback.push(result.receivedAt - solvedAt);
  }
  return { router, callback };
}

/** The sandbox's plain-text answer for a router solution: the token, the text, or `coordinate:x=…,y=…;…`. */
function answerKey(solution: unknown): string {
  const s = (solution ?? {}) as { token?: string; text?: string; coordinates?: { x: number | string; y: number | string }[] };
  if (s.token !== undefined) return s.token;
  if (s.text !== undefined) return s.text;
  if (s.coordinates) return `coordinate:${s.coordinates.map((p) => `x=${p.x},y=${p.y}`).join(";")}`;
  return "";
}

/** The most in.php requests within any 3 s, counting those at or after `from` (from the recorded requests). */
function maxInPhpPer3s(sandbox: TwocaptchaSandbox, from: number): number {
  const times = sandbox.requests.filter((r) => r.path === "/in.php" && r.at >= from).map((r) => r.at);
  let max = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= 3_000) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

function blockSummary(sandbox: TwocaptchaSandbox): string {
  const blocks = countBy(sandbox.limits().blocks.map((b) => b.code));
  return Object.keys(blocks).length === 0 ? "none" : Object.entries(blocks).map(([code, count]) => `${count} × ${code}`).join(", ");
}

function printFailures(results: ReceivedResult[]) {
  const failures = countBy(results.filter((r) => r.status === "failed").map((r) => String(r.body.error ?? "no error given").slice(0, 140)));
  for (const [reason, count] of Object.entries(failures).sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`  failed ${count} × ${reason}`);
}

function lastAnswerAt(results: ReceivedResult[]): number {
  return Math.max(...results.map((r) => Date.parse(String(r.body.completed_at)) || r.receivedAt));
}

function fmtMs(ms: number): string {
  return Number.isFinite(ms) ? `${round(ms / 1000, 2)} s` : "n/a";
}

function fmtRange([min, max]: SolveTimeRange): string {
  return `${round(min / 1000, 1)}-${round(max / 1000, 1)} s`;
}
