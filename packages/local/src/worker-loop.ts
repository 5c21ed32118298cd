/**
 * What Lambda's SQS event source does, locally: long-poll the queue, gather a batch (up to
 * `maxBatch` messages within `batchWindowMs`, like the event source's batch size and batching
 * window in infra/worker.ts), hand it to the worker handler in Lambda's SQSEvent shape, delete
 * the messages that succeeded, and leave the reported failures to reappear after the visibility
 * timeout (and reach the DLQ after MAX_RECEIVE_COUNT receives).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { LOCAL_REGION } from "./local-aws.ts";

export interface WorkerLoop {
  stop(): Promise<void>;
}

export function startWorkerLoop(options: {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** Concurrent pollers, like Lambda's concurrent batches. */
  concurrency?: number;
  /** Messages per handler call at most (default 100). */
  maxBatch?: number;
  /** How long a batch may gather messages after the first arrived (default 400 ms). */
  batchWindowMs?: number;
  onError?: (error: unknown) => void;
  /** Told after each handler call (one Lambda invocation): how long it took and how many records it got. */
  onInvocation?: (invocation: { durationMs: number; records: number }) => void;
}): WorkerLoop {
  let running = true;
  const abort = new AbortController();
  const maxBatch = options.maxBatch ?? 100;
  const windowMs = options.batchWindowMs ?? 400;
  const receive = async (waitSeconds: number, max: number) => {
    const { Messages = [] } = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
      { abortSignal: abort.signal },
    );
    return Messages;
  };
  const gather = async (): Promise<Message[]> => {
    const batch = await receive(2, maxBatch);
    if (batch.length === 0) return batch;
    const closeAt = Date.now() + windowMs;
    let last = batch.length;
    while (running && batch.length < maxBatch) {
      if (last < 10) {
        // The queue had no more: wait out the window once, then take what came meanwhile.
        const rest = closeAt - Date.now();
        if (rest <= 0) break;
        await new Promise((resolve) => setTimeout(resolve, rest));
      }
      const more = await receive(0, maxBatch - batch.length);
      batch.push(...more);
      last = more.length;
      if (last === 0 || Date.now() >= closeAt) break;
    }
    return batch;
  };
  const loop = async () => {
    while (running) {
      try {
        const Messages = await gather();
        if (Messages.length === 0) continue;
        const event: SQSEvent = { Records: Messages.map((m) => toRecord(m, options.queueArn)) };
        const started = performance.now();
        const response = await options.handler(event);
        options.onInvocation?.({ durationMs: performance.now() - started, records: Messages.length });
        const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        const done = Messages.filter((m) => !failed.has(m.MessageId!));
        for (let i = 0; i < done.length; i += 10) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } catch (error) {
        if (!running) return;
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 4 }, loop);
  return {
    async stop() {
      running = false;
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}
