/**
 * `pnpm bench:cost`: what one task costs on AWS, counted in the local stack.
 *
 * Submits a fixed realistic mix (mix.ts; fixed seed) with results through `callback_url` to a
 * local receiver (no client polling), waits until every task has ended and the work queue is
 * idle, and divides by the number of tasks: DynamoDB calls by operation and the capacity units
 * the table reports, SQS requests (64 KB chunks) by operation, Lambda invocations (worker
 * batches; each API request counts as an API invocation) and GB-seconds from the measured
 * handler time × the memory in infra/, upstream requests and API requests. Prints the AWS bill
 * per million tasks at the list prices in prices.ts; exits 1 when a threshold given on the command line is
 * exceeded (--max-usd, --max-write-units, --max-sqs, --max-invocations, or --acceptance for
 * the target line: ≤ 12 write units, ≤ 8 SQS requests, ≤ 3 invocations, ≤ $15 per million).
 *
 * The sandboxes answer quickly by default (cost hardly depends on wall time); with
 * `--solve-times realistic` the 2Captcha-protocol sandboxes take 4-12 s for images and 15-45 s for
 * tokens (seeded), which changes how many result checks a task needs.
 *
 *   pnpm bench:cost [--tasks 300] [--seed 1] [--teams 5] [--concurrency 8] [--solve-times fast|realistic]
 *                   [--max-usd 15] [--max-write-units 12] [--max-sqs 8] [--max-invocations 3] [--acceptance]
 */
import { parseArgs } from "node:util";
import { REALISTIC_TWOCAPTCHA_SOLVE_TIMES } from "@solver-router/sandbox";
import { startBenchStack } from "./bench-stack.ts";
import { countBy, optionalNumber, positiveInt, verdict } from "./cli.ts";
import { startCallbackReceiver } from "./callback-receiver.ts";
import { realisticMix, REALISTIC_MIX } from "./mix.ts";
import { billPerMillionTasks, infraMemoryMb, type PerTask } from "./prices.ts";
import { RouterClient, runPool } from "./router-client.ts";
import { round, table } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    tasks: { type: "string", default: "300" },
    seed: { type: "string", default: "1" },
    teams: { type: "string", default: "5" },
    concurrency: { type: "string", default: "8" },
    "timeout-seconds": { type: "string", default: "600" },
    // Some steps leave a delayed message behind (a recheck, a stale duplicate); they count too,
    // so the run waits until the queue is empty. SQS delays are at most 15 minutes.
    "idle-timeout-seconds": { type: "string", default: "960" },
    "max-usd": { type: "string" },
    "max-write-units": { type: "string" },
    "max-sqs": { type: "string" },
    "max-invocations": { type: "string" },
    acceptance: { type: "boolean", default: false },
    "solve-times": { type: "string", default: "fast" },
  },
});

const ISSUE_8_ACCEPTANCE = { usd: 15, writeUnits: 12, sqs: 8, invocations: 3 };
const taskCount = positiveInt(args.tasks, "--tasks");
const seed = positiveInt(args.seed, "--seed");
const teamCount = positiveInt(args.teams, "--teams");
const concurrency = positiveInt(args.concurrency, "--concurrency");
const limits = {
  usd: optionalNumber(args["max-usd"], "--max-usd") ?? (args.acceptance ? ISSUE_8_ACCEPTANCE.usd : undefined),
  writeUnits: optionalNumber(args["max-write-units"], "--max-write-units") ?? (args.acceptance ? ISSUE_8_ACCEPTANCE.writeUnits : undefined),
  sqs: optionalNumber(args["max-sqs"], "--max-sqs") ?? (args.acceptance ? ISSUE_8_ACCEPTANCE.sqs : undefined),
  invocations: optionalNumber(args["max-invocations"], "--max-invocations") ?? (args.acceptance ? ISSUE_8_ACCEPTANCE.invocations : undefined),
};

if (args["solve-times"] !== "fast" && args["solve-times"] !== "realistic") throw new Error(`--solve-times is fast or realistic, got ${args["solve-times"]}`);
const realistic = args["solve-times"] === "realistic";

const workerMemoryGb = infraMemoryMb("worker.ts") / 1024;
const apiMemoryGb = infraMemoryMb("api.ts") / 1024;

console.log(`bench:cost — ${taskCount} tasks, seed ${seed}, ${teamCount} teams, ${args["solve-times"]} solve times; mix ${Object.entries(REALISTIC_MIX).map(([t, s]) => `${t} ${s}%`).join(", ")}`);
const bench = await startBenchStack(realistic ? { twocaptchaSandbox: { seed, solveTimeRangesMs: REALISTIC_TWOCAPTCHA_SOLVE_TIMES } } : {});
const receiver = await startCallbackReceiver();
const client = new RouterClient(bench.stack.apiUrl, concurrency);
let exitCode = 0;
try {
  const teams = await client.createTeams(bench.stack.adminKey, teamCount, 1_000_000, "bench-cost");
  const upstreamBefore = upstreamRequests();
  bench.meter.take();
  bench.resetInvocations();

  const tasks = realisticMix(taskCount, seed);
  const taskIds: string[] = [];
  const refused: string[] = [];
  const started = Date.now();
  await runPool(tasks.length, concurrency, async (i) => {
    const team = teams[i % teams.length]!;
    const answer = await client.submit(team.apiKey, { ...tasks[i]!.body, callback_url: receiver.url });
    if (answer.taskId) taskIds.push(answer.taskId);
    else refused.push(`${answer.status} ${answer.detail}`);
  });
  if (refused.length > 0) throw new Error(`${refused.length} submits refused, e.g. ${refused[0]}`);
  await receiver.waitFor(taskIds, positiveInt(args["timeout-seconds"], "--timeout-seconds") * 1000);
  const endedSeconds = (Date.now() - started) / 1000;
  console.log(`every task ended after ${round(endedSeconds, 1)} s; waiting for the work queue to drain (delayed messages count too)…`);
  await bench.waitForIdleQueue(positiveInt(args["idle-timeout-seconds"], "--idle-timeout-seconds") * 1000);
  const elapsedSeconds = (Date.now() - started) / 1000;

  const aws = bench.meter.take();
  const n = taskIds.length;
  const statuses = countBy([...receiver.results.values()].map((r) => r.status));
  const sqsRequests = Object.values(aws.sqs).reduce((sum, op) => sum + op.units, 0);
  const perTask: PerTask = {
    writeUnits: aws.writeUnits / n,
    readUnits: aws.readUnits / n,
    sqsRequests: sqsRequests / n,
    lambdaInvocations: (bench.worker.count + bench.api.count) / n,
    lambdaGbSeconds: ((bench.worker.durationMs / 1000) * workerMemoryGb + (bench.api.durationMs / 1000) * apiMemoryGb) / n,
    apiRequests: bench.api.count / n,
  };
  const bill = billPerMillionTasks(perTask);
  const dynamoCalls = Object.values(aws.dynamo).reduce((sum, op) => sum + op.calls, 0);

  console.log(`\n${n} tasks ended in ${round(endedSeconds, 1)} s, queue idle after ${round(elapsedSeconds, 1)} s: ${Object.entries(statuses).map(([s, c]) => `${c} ${s}`).join(", ")}; ${receiver.posts()} callback POSTs\n`);
  console.log("DynamoDB per task (capacity units as DynamoDB Local reports them with ReturnConsumedCapacity TOTAL)");
  console.log(
    table([
      ["operation", "calls/task", "units/task", "errors"],
      ...Object.entries(aws.dynamo)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, c]) => [op, round(c.calls / n), round(c.units / n), c.errors]),
      ["all", round(dynamoCalls / n), round((aws.writeUnits + aws.readUnits) / n), ""],
    ]),
  );
  console.log(`  write units/task ${round(perTask.writeUnits)}, read units/task ${round(perTask.readUnits)}\n`);
  console.log("SQS per task (requests = 64 KB chunks)");
  console.log(
    table([
      ["operation", "calls/task", "requests/task", "errors"],
      ...Object.entries(aws.sqs)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, c]) => [op, round(c.calls / n), round(c.units / n), c.errors]),
      ["all", "", round(perTask.sqsRequests), ""],
    ]),
  );
  console.log(`  empty long-poll receives (per hour of polling, not per task; left out): ${aws.emptyReceives}\n`);
  console.log("Lambda and API per task");
  console.log(
    table([
      ["", "per task", "total", "handler ms (mean)", "memory MB"],
      ["worker invocations", round(bench.worker.count / n), bench.worker.count, round(bench.worker.durationMs / Math.max(1, bench.worker.count), 1), workerMemoryGb * 1024],
      ["  messages per invocation", "", round(bench.worker.records / Math.max(1, bench.worker.count), 2), "", ""],
      ["API invocations (= HTTP API requests)", round(bench.api.count / n), bench.api.count, round(bench.api.durationMs / Math.max(1, bench.api.count), 1), apiMemoryGb * 1024],
      ["GB-seconds", round(perTask.lambdaGbSeconds, 5), round(perTask.lambdaGbSeconds * n, 3), "", ""],
      ["upstream requests", round((upstreamRequests() - upstreamBefore) / n), upstreamRequests() - upstreamBefore, "", ""],
    ]),
  );
  console.log("\nAWS bill per million tasks (list prices: us-east-1 on-demand, Lambda arm64)");
  console.log(
    table([
      ["service", "USD"],
      ["DynamoDB", round(bill.dynamo)],
      ["SQS", round(bill.sqs)],
      ["Lambda", round(bill.lambda)],
      ["HTTP API", round(bill.httpApi)],
      ["total", round(bill.total)],
    ]),
  );

  const breaches = [
    limits.usd !== undefined && bill.total > limits.usd ? `$${round(bill.total)} per million tasks > $${limits.usd}` : undefined,
    limits.writeUnits !== undefined && perTask.writeUnits > limits.writeUnits ? `${round(perTask.writeUnits)} write units per task > ${limits.writeUnits}` : undefined,
    limits.sqs !== undefined && perTask.sqsRequests > limits.sqs ? `${round(perTask.sqsRequests)} SQS requests per task > ${limits.sqs}` : undefined,
    limits.invocations !== undefined && perTask.lambdaInvocations > limits.invocations
      ? `${round(perTask.lambdaInvocations)} Lambda invocations per task > ${limits.invocations}`
      : undefined,
  ];
  exitCode = Math.max(exitCode, verdict(breaches, Object.values(limits).some((l) => l !== undefined)));
} catch (error) {
  console.error(`bench:cost failed: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 2;
} finally {
  await client.close();
  await receiver.close();
  await bench.stop();
}
process.exit(exitCode);

function upstreamRequests(): number {
  return Object.values(bench.stack.sandboxes).reduce((sum, sandbox) => sum + (sandbox?.requests.length ?? 0), 0);
}

