/**
 * bench:load's clients, in a child process of their own (as any outside load would be): they
 * submit the realistic mix (mix.ts; fixed seed) over keep-alive connections (undici), spread
 * over the teams' keys, and report every submit's outcome back.
 *
 * Closed loop (no `rate`): every connection submits back to back, which finds the most the stack
 * accepts (latency is then mostly the clients' own queue). Open loop (`rate`): a submit leaves
 * every 1/rate s whatever the answers do, and its latency counts from that moment (a slow answer
 * cannot hide the ones queued behind it: no coordinated omission).
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { realisticMix } from "./mix.ts";
import { RouterClient } from "./router-client.ts";

export interface LoadPlan {
  apiUrl: string;
  keys: string[];
  callbackUrl: string;
  seed: number;
  connections: number;
  rate?: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface LoadOutcome {
  accepted: string[];
  /** Of accepted submits, ms. */
  latencies: number[];
  /** Why the others were not accepted. */
  refused: string[];
  /** The window the rate is counted over. */
  elapsedSeconds: number;
}

/** Runs the plan in a child process: the warm-up's outcome (if any) and the measured run's. */
export function runLoadClients(plan: LoadPlan): Promise<{ warmup?: LoadOutcome; measured: LoadOutcome }> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("message", (result) => {
      resolve(result as { warmup?: LoadOutcome; measured: LoadOutcome });
      child.disconnect();
    });
    child.once("exit", (code) => reject(new Error(`the load clients exited (${code}) before reporting`)));
    child.send(plan);
  });
}

async function runPlan(plan: LoadPlan): Promise<{ warmup?: LoadOutcome; measured: LoadOutcome }> {
  const client = new RouterClient(plan.apiUrl, plan.connections);
  // A pool of bodies drawn once, so building requests costs the clients nothing during the run.
  const bodies = realisticMix(4_096, plan.seed).map((task) => ({ ...task.body, callback_url: plan.callbackUrl }));
  let next = 0;
  /** One submit; its latency counts from `since` (when it was meant to leave). */
  const submitOne = async (outcome: LoadOutcome, since: number) => {
    const n = next++;
    try {
      const answer = await client.submit(plan.keys[n % plan.keys.length]!, bodies[n % bodies.length]!);
      if (answer.taskId) {
        outcome.accepted.push(answer.taskId);
        outcome.latencies.push(performance.now() - since);
      } else outcome.refused.push(`HTTP ${answer.status}: ${answer.detail}`);
    } catch (error) {
      outcome.refused.push(`network: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const run = async (seconds: number): Promise<LoadOutcome> => {
    const outcome: LoadOutcome = { accepted: [], latencies: [], refused: [], elapsedSeconds: 0 };
    const started = performance.now();
    const stopAt = started + seconds * 1000;
    if (plan.rate === undefined) {
      await Promise.all(
        Array.from({ length: plan.connections }, async () => {
          while (performance.now() < stopAt) await submitOne(outcome, performance.now());
        }),
      );
    } else {
      const inFlight: Promise<void>[] = [];
      const total = Math.round(seconds * plan.rate);
      for (let i = 0; i < total; i++) {
        const at = started + (i * 1000) / plan.rate;
        const wait = at - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        inFlight.push(submitOne(outcome, at));
      }
      await Promise.all(inFlight);
    }
    // Open loop: the rate over the window the submits were offered in (each one's latency is apart).
    outcome.elapsedSeconds = plan.rate === undefined ? (performance.now() - started) / 1000 : seconds;
    return outcome;
  };
  try {
    const warmup = plan.warmupSeconds > 0 ? await run(plan.warmupSeconds) : undefined;
    const measured = await run(plan.durationSeconds);
    return { ...(warmup ? { warmup } : {}), measured };
  } finally {
    await client.close();
  }
}

// In the child: wait for the plan, run it, report.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once("message", (plan) => {
    void runPlan(plan as LoadPlan).then(
      (result) => process.send!(result),
      (error: unknown) => {
        console.error(`load clients: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  });
}
