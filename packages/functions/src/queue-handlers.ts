/**
 * The SQS worker: what Lambda calls with a batch of queue messages (and what the local stack's
 * poll loop calls with the same event shape). Each message is handled independently; the ones
 * that threw are reported back as batchItemFailures so SQS redelivers only those.
 */
import { handleCallbackMessage, handleTaskMessage, sweepOverdueTasks, type RouterContext } from "@solver-router/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { z } from "zod";

const MessageSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("task"), task_id: z.string().min(1), step: z.number().int().min(0), early: z.number().int().min(0).optional() }),
  z.object({ kind: z.literal("callback"), task_id: z.string().min(1), attempt: z.number().int().min(1) }),
]);

export function createWorkerHandler(ctx: RouterContext) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results = await Promise.allSettled(
      event.Records.map(async (record) => {
        let parsed: z.infer<typeof MessageSchema>;
        try {
          parsed = MessageSchema.parse(JSON.parse(record.body));
        } catch {
          // A message we cannot read will never become readable: drop it instead of retrying.
          ctx.logger.error("dropped unreadable message", { message_id: record.messageId });
          return;
        }
        if (parsed.kind === "task") await handleTaskMessage(ctx, parsed.task_id, parsed.step, parsed.early);
        else await handleCallbackMessage(ctx, parsed.task_id, parsed.attempt);
      }),
    );
    const batchItemFailures = results.flatMap((result, index) => {
      if (result.status === "fulfilled") return [];
      const record = event.Records[index]!;
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
