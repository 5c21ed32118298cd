/**
 * `pnpm bench:load`: how many submits per second the local stack accepts with the worker
 * running, and how long each takes.
 *
 * Keep-alive clients (undici) submit the realistic mix (mix.ts; fixed seed) for a fixed time,
 * spread over several teams (each team has its own request rate limit): back to back on every
 * connection (closed loop: the most the stack accepts), or at a fixed offered rate with --rate
 * (open loop: the latency at that rate). Prints accepted submits/s, latency p50/p90/p99/max of
 * accepted submits, every other answer by status, then waits until every accepted task has
 * ended (results through `callback_url` to a local receiver) and says how (failures by reason).
 * Exits 1 when a threshold given is missed (--min-rps, --max-p99-ms; --acceptance is the target
 * line: 300 submits/s offered, all accepted, p99 ≤ 250 ms) or when a task does not end.
 *
 *   pnpm bench:load [--duration 20] [--connections 64] [--rate 300] [--teams 10] [--seed 1] [--min-rps 300] [--max-p99-ms 250] [--acceptance]
 */
import { parseArgs } from "node:util";
import { startBenchStack } from "./bench-stack.ts";
import { startCallbackReceiver } from "./callback-receiver.ts";
import { countBy, optionalNumber, positiveInt, verdict } from "./cli.ts";
import { runLoadClients } from "./load-clients.ts";
import { RouterClient } from "./router-client.ts";
import { percentile, round, table } from "./stats.ts";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "20" },
    // Submits before the measured run, not counted: DynamoDB Local's JVM and the code paths warm up.
    warmup: { type: "string", default: "3" },
    connections: { type: "string", default: "64" },
    teams: { type: "string", default: "10" },
    seed: { type: "string", default: "1" },
    "end-timeout-seconds": { type: "string", default: "900" },
    "min-rps": { type: "string" },
    "max-p99-ms": { type: "string" },
    rate: { type: "string" },
    acceptance: { type: "boolean", default: false },
  },
});

const durationSeconds = positiveInt(args.duration, "--duration");
const warmupSeconds = optionalNumber(args.warmup, "--warmup") ?? 0;
const connections = positiveInt(args.connections, "--connections");
const teamCount = positiveInt(args.teams, "--teams");
const seed = positiveInt(args.seed, "--seed");
const minRps = optionalNumber(args["min-rps"], "--min-rps") ?? (args.acceptance ? 300 : undefined);
const maxP99 = optionalNumber(args["max-p99-ms"], "--max-p99-ms") ?? (args.acceptance ? 250 : undefined);
// The target line is a rate held with a latency bound: --acceptance offers 300 submits/s open loop.
const rate = optionalNumber(args.rate, "--rate") ?? (args.acceptance ? 300 : undefined);

const load = rate === undefined ? `${connections} keep-alive clients back to back` : `${rate} submits/s offered (open loop, up to ${connections} connections)`;
console.log(`bench:load — ${durationSeconds} s after ${warmupSeconds} s of warm-up, ${load}, ${teamCount} teams, seed ${seed}, worker running`);
const bench = await startBenchStack();
const receiver = await startCallbackReceiver();
const client = new RouterClient(bench.stack.apiUrl, connections);
let exitCode = 0;
try {
  const teams = await client.createTeams(bench.stack.adminKey, teamCount, 10_000_000, "bench-load");
  // The clients run in a process of their own, like any outside load: they do not take the
  // stack's event loop (load-clients.ts).
  const { warmup, measured } = await runLoadClients({
    apiUrl: bench.stack.apiUrl,
    keys: teams.map((t) => t.apiKey),
    callbackUrl: receiver.url,
    seed,
    connections,
    ...(rate !== undefined ? { rate } : {}),
    warmupSeconds,
    durationSeconds,
  });
  const { accepted, latencies, refused, elapsedSeconds } = measured;
  const everyTask = [...(warmup?.accepted ?? []), ...accepted];

  console.log(
    `\n${table([
      ["", "value"],
      ["submits sent", accepted.length + refused.length],
      ["accepted", accepted.length],
      ["accepted submits/s", round(accepted.length / elapsedSeconds, 1)],
      ["latency p50 ms", round(percentile(latencies, 50), 1)],
      ["latency p90 ms", round(percentile(latencies, 90), 1)],
      ["latency p99 ms", round(percentile(latencies, 99), 1)],
      ["latency max ms", round(Math.max(...latencies), 1)],
      ["errors", refused.length],
    ])}`,
  );
  for (const [reason, count] of Object.entries(countBy(refused.map((r) => r.slice(0, 120))))) console.log(`  ${count} × ${reason}`);

  console.log(`\nwaiting for all ${everyTask.length} accepted tasks (warm-up included) to end (callbacks)…`);
  const waitStarted = Date.now();
  try {
    await receiver.waitFor(everyTask, positiveInt(args["end-timeout-seconds"], "--end-timeout-seconds") * 1000);
    const statuses = countBy([...receiver.results.values()].map((r) => r.status));
    console.log(`every task ended, ${round((Date.now() - waitStarted) / 1000, 1)} s after the run: ${Object.entries(statuses).map(([s, c]) => `${c} ${s}`).join(", ")}`);
    const failures = [...receiver.results.values()].filter((r) => r.status === "failed").map((r) => `${String(r.body.type)}: ${String(r.body.error).slice(0, 100)}`);
    for (const [reason, count] of Object.entries(countBy(failures))) console.log(`  ${count} failed × ${reason}`);
  } catch (error) {
    console.log(`NOT every task ended: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = 1;
  }

  const rps = accepted.length / elapsedSeconds;
  const p99 = percentile(latencies, 99);
  const breaches = [
    minRps !== undefined && rps < minRps ? `${round(rps, 1)} accepted submits/s < ${minRps}` : undefined,
    maxP99 !== undefined && !(p99 <= maxP99) ? `p99 ${round(p99, 1)} ms > ${maxP99} ms` : undefined,
  ];
  exitCode = Math.max(exitCode, verdict(breaches, minRps !== undefined || maxP99 !== undefined));
} catch (error) {
  console.error(`bench:load failed: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 2;
} finally {
  await client.close();
  await receiver.close();
  await bench.stop();
}
process.exit(exitCode);
