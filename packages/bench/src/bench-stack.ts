/**
 * The local stack as the benchmarks run it: `startLocalStack` with its AWS clients metered, its
 * worker invocations and API requests timed, quiet logs, and loopback callbacks allowed.
 */
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { quietLogger } from "@solver-router/functions";
import { startLocalStack, type LocalStack, type LocalStackOptions } from "@solver-router/local";
import { AwsMeter } from "./aws-meter.ts";

export interface Invocations {
  count: number;
  records: number;
  durationMs: number;
}

export interface BenchStack {
  stack: LocalStack;
  meter: AwsMeter;
  worker: Invocations;
  api: Invocations;
  /** Worker and API counters back to zero (after the setup, before the measured run). */
  resetInvocations(): void;
  /** Resolves when the work queue has no message visible, in flight or delayed (checked with an unmetered client). */
  waitForIdleQueue(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchStack(options: LocalStackOptions = {}): Promise<BenchStack> {
  // The callback receiver listens on loopback; the local stack allows that by default.
  process.env.ROUTER_CALLBACK_ALLOW_PRIVATE ??= "1";
  const meter = new AwsMeter();
  const worker: Invocations = { count: 0, records: 0, durationMs: 0 };
  const api: Invocations = { count: 0, records: 0, durationMs: 0 };
  const stack = await startLocalStack({
    port: 0,
    logger: quietLogger("error"),
    explorationShare: 0,
    // The sweeper runs on a schedule in AWS: a cost per hour, not per task. Kept out of the count.
    sweepIntervalMs: 3_600_000,
    ...options,
    instrumentClients: meter.instrument,
    onWorkerInvocation: ({ durationMs, records }) => {
      worker.count += 1;
      worker.records += records;
      worker.durationMs += durationMs;
    },
    onApiRequest: ({ durationMs }) => {
      api.count += 1;
      api.records += 1;
      api.durationMs += durationMs;
    },
  });
  const sqs = new SQSClient({ endpoint: stack.endpoints.sqs, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });

  return {
    stack,
    meter,
    worker,
    api,
    resetInvocations() {
      Object.assign(worker, { count: 0, records: 0, durationMs: 0 });
      Object.assign(api, { count: 0, records: 0, durationMs: 0 });
    },
    async waitForIdleQueue(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: stack.endpoints.queueUrl,
            AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
          }),
        );
        const waiting = Object.values(Attributes).reduce((sum, value) => sum + Number(value ?? 0), 0);
        if (waiting === 0) return;
        if (Date.now() > deadline) throw new Error(`the work queue still holds ${waiting} messages (${JSON.stringify(Attributes)})`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async stop() {
      sqs.destroy();
      await stack.stop();
    },
  };
}
