/**
 * WorkQueue on SQS: small JSON messages (ids only), every wait a DelaySeconds. Messages sent at
 * the same moment (a worker batch's next steps, parallel submits) go out together, up to ten per
 * SendMessageBatch (coalescer.ts); each send still resolves only once its own message is queued.
 */
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { MAX_DELAY_SECONDS, type WorkMessage, type WorkQueue } from "@solver-router/core";
import { Coalescer } from "./coalescer.ts";

/** SQS's limits on one SendMessageBatch. */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

interface Outgoing {
  body: string;
  delaySeconds: number;
}

export class SqsWorkQueue implements WorkQueue {
  private readonly sends: Coalescer<Outgoing, void>;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {
    this.sends = new Coalescer<Outgoing, void>({
      maxInFlight: 4,
      fits: (batch, next) =>
        batch.length < MAX_BATCH_ENTRIES && batch.reduce((bytes, m) => bytes + Buffer.byteLength(m.body), Buffer.byteLength(next.body)) <= MAX_BATCH_BYTES,
      run: (batch) => this.sendBatch(batch),
    });
  }

  send(message: WorkMessage, delaySeconds: number): Promise<void> {
    return this.sends.add({ body: JSON.stringify(message), delaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds))) });
  }

  private async sendBatch(batch: readonly Outgoing[]): Promise<PromiseSettledResult<void>[]> {
    const { Failed = [] } = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: batch.map((m, i) => ({ Id: String(i), MessageBody: m.body, DelaySeconds: m.delaySeconds })),
      }),
    );
    const failures = new Map(Failed.map((f) => [f.Id, f]));
    return batch.map((_, i) => {
      const failure = failures.get(String(i));
      return failure
        ? { status: "rejected", reason: new Error(`SQS refused a message: ${failure.Code ?? "unknown"} ${failure.Message ?? ""}`.trim()) }
        : { status: "fulfilled", value: undefined };
    });
  }
}
