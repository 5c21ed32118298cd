/** WorkQueue on SQS: small JSON messages (ids only), every wait a DelaySeconds. */
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { MAX_DELAY_SECONDS, type WorkMessage, type WorkQueue } from "@solver-router/core";

export class SqsWorkQueue implements WorkQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: WorkMessage, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds))),
      }),
    );
  }
}
