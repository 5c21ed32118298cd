/**
 * The local stack's worker side: the worker loop (worker-loop.ts), the sweeper and the upstream
 * balance check, on a runtime of their own (its own clients and caches, stack.ts), as on AWS they
 * are functions of their own. (Tried and measured with bench:load: the worker side in a child
 * process of its own answered slower, not faster — two Node processes' SDK work on two cores
 * shared with DynamoDB Local's JVM — so it runs in the stack's process.)
 */
import { sweepOverdueTasks, type Logger } from "@solver-router/core";
import { createProviderMonitorHandler, createWorkerHandler, type Runtime } from "@solver-router/functions";
import { startWorkerLoop } from "./worker-loop.ts";

export interface WorkerSideOptions {
  queueUrl: string;
  queueArn: string;
  concurrency?: number;
  batchWindowMs?: number;
  sweepIntervalMs?: number;
  providerCheckIntervalMs?: number;
  onInvocation?: (invocation: { durationMs: number; records: number }) => void;
}

/** Starts the worker loop, the sweeper and the balance check on `runtime`; returns their stop. */
export function startWorkerSide(runtime: Runtime, options: WorkerSideOptions, logger: Logger): () => Promise<void> {
  const loop = startWorkerLoop({
    sqs: runtime.sqs,
    queueUrl: options.queueUrl,
    queueArn: options.queueArn,
    handler: createWorkerHandler(runtime.ctx),
    concurrency: options.concurrency ?? 4,
    ...(options.batchWindowMs !== undefined ? { batchWindowMs: options.batchWindowMs } : {}),
    onError: (error) => logger.error("worker loop", { error: String(error) }),
    ...(options.onInvocation ? { onInvocation: options.onInvocation } : {}),
  });
  const sweeper = setInterval(() => {
    sweepOverdueTasks(runtime.ctx).catch((error) => logger.error("sweeper", { error: String(error) }));
  }, options.sweepIntervalMs ?? 30_000);
  const checkProviders = createProviderMonitorHandler(runtime.ctx);
  const runProviderCheck = () => void checkProviders().catch((error) => logger.error("provider check", { error: String(error) }));
  runProviderCheck();
  const providerCheck = setInterval(runProviderCheck, options.providerCheckIntervalMs ?? 5 * 60_000);
  return async () => {
    clearInterval(sweeper);
    clearInterval(providerCheck);
    await loop.stop();
  };
}
