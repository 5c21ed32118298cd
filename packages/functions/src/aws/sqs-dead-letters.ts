/**
 * Moving dead-lettered messages back to the work queue (POST /v2/admin/dlq/redrive).
 *
 * Receive a batch from the dead-letter queue, send each body to the work queue, then delete it
 * from the dead-letter queue: a crash in between leaves a message in both, and a duplicate is
 * harmless (every worker step is conditional on the task's step and version). Bounded by a
 * message count and a time budget, so one call fits the API function's timeout; the caller
 * repeats it while `remaining` is above 0. SQS's own StartMessageMoveTask (the console's
 * "DLQ redrive") does the same for very large queues but reports no count, and the local SQS
 * stand-in lacks it; this path runs the same everywhere (docs/operations.md).
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

export interface RedriveResult {
  moved: number;
  /** Messages still in the dead-letter queue afterwards (SQS's approximate count). */
  remaining: number;
}

export interface DeadLetters {
  /** How many messages wait in the dead-letter queue (approximate, as SQS counts them). */
  count(): Promise<number>;
  redrive(options?: { maxMessages?: number; timeBudgetMs?: number }): Promise<RedriveResult>;
}

export const DEFAULT_REDRIVE_MAX = 100;
export const MAX_REDRIVE_MAX = 1000;
const DEFAULT_TIME_BUDGET_MS = 20_000;

export function sqsDeadLetters(sqs: SQSClient, deadLetterQueueUrl: string, workQueueUrl: string): DeadLetters {
  async function count(): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterQueueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  return {
    count,
    async redrive(options = {}) {
      const max = Math.min(MAX_REDRIVE_MAX, Math.max(1, options.maxMessages ?? DEFAULT_REDRIVE_MAX));
      const deadline = Date.now() + (options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS);
      let moved = 0;
      while (moved < max && Date.now() < deadline) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: deadLetterQueueUrl,
            MaxNumberOfMessages: Math.min(10, max - moved),
            // Long enough to send and delete the batch before anyone else could see it again.
            VisibilityTimeout: 30,
            WaitTimeSeconds: 0,
          }),
        );
        if (Messages.length === 0) break;
        const sent = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: workQueueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? "" })),
          }),
        );
        const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
        const done = Messages.filter((_, i) => ok.has(String(i)));
        if (done.length) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: deadLetterQueueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
        moved += done.length;
        // A batch the work queue refused stays in the dead-letter queue (visible again in 30 s).
        if (done.length < Messages.length) break;
      }
      return { moved, remaining: await count() };
    },
  };
}
