/**
 * The local stack's worker side: the worker loop (worker-loop.ts), the sweeper and the upstream
 * balance check, on a runtime of their own (its own clients and caches), as on AWS they are
 * functions of their own. (Tried and measured with bench:load: the worker side in a child process
 * of its own answered slower, not faster — two Node processes' SDK work on two cores shared with
 * DynamoDB Local's JVM — so it runs in the stack's process.)
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { sweepOverdueTasks, type Logger, type Provider } from "@solver-router/core";
import { createProviderMonitorHandler, createRuntime, createWorkerHandler, type Runtime } from "@solver-router/functions";
import type { DynamoDbCredentials } from "./data-dir.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION, TABLE_NAME } from "./local-aws.ts";
import { startWorkerLoop } from "./worker-loop.ts";

/** Everything the worker side needs. */
export interface WorkerSideSettings {
  dynamodb: { endpoint: string; credentials: DynamoDbCredentials; connections: number };
  sqsEndpoint: string;
  queueUrl: string;
  dlqUrl: string;
  queueArn: string;
  providers: readonly Provider[];
  explorationShare?: number;
  callbackAllowPrivate: boolean;
  concurrency?: number;
  batchWindowMs?: number;
  sweepIntervalMs?: number;
  providerCheckIntervalMs?: number;
}

/**
 * The worker side's clients and runtime. DynamoDB Local gets a few connections only (4 by
 * default): it serves about one core's worth of requests, so a worker batch of 100 concurrent
 * steps would otherwise queue every API request behind it (bench:load at 300 submits/s: p99 about
 * 200 ms with 4, about 300 ms with 8, over 1 s unlimited). Under a burst the worker trails the
 * submits (the queue holds the rest) instead of slowing them.
 */
export function workerRuntime(settings: WorkerSideSettings, logger: Logger, instrument?: (clients: { dynamo: DynamoDBClient; sqs: SQSClient }) => void): Runtime {
  const clients = {
    dynamo: new DynamoDBClient({
      region: LOCAL_REGION,
      credentials: settings.dynamodb.credentials,
      endpoint: settings.dynamodb.endpoint,
      requestHandler: { httpAgent: { keepAlive: true, maxSockets: settings.dynamodb.connections } },
    }),
    sqs: new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: settings.sqsEndpoint }),
  };
  instrument?.(clients);
  const runtime = createRuntime({
    tableName: TABLE_NAME,
    queueUrl: settings.queueUrl,
    deadLetterQueueUrl: settings.dlqUrl,
    providers: settings.providers,
    clients,
    logger,
    ...(settings.explorationShare !== undefined ? { explorationShare: settings.explorationShare } : {}),
    callbackPolicy: { allowPrivate: settings.callbackAllowPrivate, httpsOnly: false },
  });
  return runtime;
}

/** Starts the worker loop, the sweeper and the balance check on `runtime`; resolves to their stop. */
export function startWorkerSide(
  runtime: Runtime,
  settings: WorkerSideSettings,
  logger: Logger,
  onInvocation?: (invocation: { durationMs: number; records: number }) => void,
): () => Promise<void> {
  const loop = startWorkerLoop({
    sqs: runtime.sqs,
    queueUrl: settings.queueUrl,
    queueArn: settings.queueArn,
    handler: createWorkerHandler(runtime.ctx),
    concurrency: settings.concurrency ?? 4,
    ...(settings.batchWindowMs !== undefined ? { batchWindowMs: settings.batchWindowMs } : {}),
    onError: (error) => logger.error("worker loop", { error: String(error) }),
    ...(onInvocation ? { onInvocation } : {}),
  });
  const sweeper = setInterval(() => {
    sweepOverdueTasks(runtime.ctx).catch((error) => logger.error("sweeper", { error: String(error) }));
  }, settings.sweepIntervalMs ?? 30_000);
  const checkProviders = createProviderMonitorHandler(runtime.ctx);
  const runProviderCheck = () => void checkProviders().catch((error) => logger.error("provider check", { error: String(error) }));
  runProviderCheck();
  const providerCheck = setInterval(runProviderCheck, settings.providerCheckIntervalMs ?? 5 * 60_000);
  return async () => {
    clearInterval(sweeper);
    clearInterval(providerCheck);
    await loop.stop();
  };
}
