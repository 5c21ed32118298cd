/**
 * Builds the router's context from plain settings: the same wiring serves Lambda (settings
 * from SST links and secrets) and the local stack (settings pointing at the stand-ins).
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { systemClock, type AdapterRegistry, type Clock, type Logger, type Provider, type RouterContext } from "@solver-router/core";
import { defaultAdapters } from "@solver-router/providers";
import { ulid } from "ulid";
import { DynamoProviderStateStore } from "./aws/dynamo-provider-state-store.ts";
import { DynamoTaskStore } from "./aws/dynamo-task-store.ts";
import { DynamoTeamStore } from "./aws/dynamo-team-store.ts";
import { DynamoUsageStore } from "./aws/dynamo-usage-store.ts";
import { SqsWorkQueue } from "./aws/sqs-work-queue.ts";
import { fetchCallbackSender } from "./callback-sender.ts";
import { jsonLogger } from "./logger.ts";

export interface RuntimeSettings {
  tableName: string;
  queueUrl: string;
  providers: readonly Provider[];
  region?: string;
  /** Local stand-ins; unset in AWS. */
  dynamoEndpoint?: string;
  sqsEndpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  explorationShare?: number;
  adapters?: AdapterRegistry;
  /** Clients made by the caller (the local stack creates the table and queues with them first). */
  clients?: { dynamo: DynamoDBClient; sqs: SQSClient };
  clock?: Clock;
  logger?: Logger;
}

export interface Runtime {
  ctx: RouterContext;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  checkHealth(): Promise<void>;
}

export function createRuntime(settings: RuntimeSettings): Runtime {
  const common = {
    region: settings.region ?? process.env.AWS_REGION ?? "us-east-1",
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
  const dynamo = settings.clients?.dynamo ?? new DynamoDBClient({ ...common, ...(settings.dynamoEndpoint ? { endpoint: settings.dynamoEndpoint } : {}) });
  const sqs = settings.clients?.sqs ?? new SQSClient({ ...common, ...(settings.sqsEndpoint ? { endpoint: settings.sqsEndpoint } : {}) });
  const db = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const clock = settings.clock ?? systemClock;
  const adapters = settings.adapters ?? defaultAdapters;
  for (const provider of settings.providers) {
    if (!adapters[provider.protocol]) {
      throw new Error(`providers file: provider "${provider.id}" names protocol "${provider.protocol}", which is not one of ${Object.keys(adapters).join(", ")}`);
    }
  }
  const ctx: RouterContext = {
    tasks: new DynamoTaskStore(db, settings.tableName),
    teams: new DynamoTeamStore(db, settings.tableName, () => clock.now()),
    usage: new DynamoUsageStore(db, settings.tableName),
    providerStates: new DynamoProviderStateStore(db, settings.tableName, () => clock.now()),
    queue: new SqsWorkQueue(sqs, settings.queueUrl),
    callbacks: fetchCallbackSender(),
    providers: settings.providers,
    adapters,
    clock,
    logger: settings.logger ?? jsonLogger,
    newId: () => ulid().toLowerCase(),
    explorationShare: settings.explorationShare ?? 0.02,
  };
  return {
    ctx,
    dynamo,
    sqs,
    async checkHealth() {
      await Promise.all([
        dynamo.send(new DescribeTableCommand({ TableName: settings.tableName })),
        sqs.send(new GetQueueAttributesCommand({ QueueUrl: settings.queueUrl, AttributeNames: ["QueueArn"] })),
      ]);
    },
  };
}
