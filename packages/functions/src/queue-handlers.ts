/**
 * The SQS worker: what Lambda calls with a batch of queue messages (and what the local stack's
 * poll loop calls with the same event shape). The batch is handled together (core's
 * handleWorkMessages: steps run concurrently, result checks due together go upstream as one
 * batched request); the messages that failed are reported back as batchItemFailures so SQS
 * redelivers only those.
 */
import { handleWorkMessages, sweepOverdueTasks, type RouterContext, type WorkMessage } from "@solver-router/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { z } from "zod";

const MessageSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("task"),
    task_id: z.string().min(1),
    step: z.number().int().min(0),
    early: z.number().int().min(0).optional(),
    slot: z.object({ provider: z.string().min(1), at: z.number() }).optional(),
  }),
  z.object({ kind: z.literal("callback"), task_id: z.string().min(1), attempt: z.number().int().min(1), early: z.number().int().min(0).optional() }),
]);

export function createWorkerHandler(ctx: RouterContext) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const readable: { index: number; message: WorkMessage }[] = [];
    event.Records.forEach((record, index) => {
      try {
        readable.push({ index, message: MessageSchema.parse(JSON.parse(record.body)) as WorkMessage });
      } catch {
        // A message we cannot read will never become readable: drop it instead of retrying.
        ctx.logger.error("dropped unreadable message", { message_id: record.messageId });
      }
    });
    const results = await handleWorkMessages(ctx, readable.map((r) => r.message));
    const batchItemFailures = results.flatMap((result, i) => {
      if (result.status === "fulfilled") return [];
      const record = event.Records[readable[i]!.index]!;
      ctx.logger.error("message failed; SQS will redeliver it", {
        message_id: record.messageId,
        receive_count: record.attributes.ApproximateReceiveCount,
        error: result.reason instanceof Error ? result.reason.message : String(result.reason),
      });
      return [{ itemIdentifier: record.messageId }];
    });
    return { batchItemFailures };
  };
}

export const createSweeperHandler = (ctx: RouterContext) => async () => ({ requeued: await sweepOverdueTasks(ctx) });
