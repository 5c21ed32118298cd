/**
 * Builds the router's context from plain settings: the same wiring serves Lambda (settings
 * from SST links and secrets) and the local stack (settings pointing at the stand-ins).
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  reportPolicyFromEnv,
  systemClock,
  type AdapterRegistry,
  type Clock,
  type Logger,
  type Metrics,
  type Provider,
  type ReportPolicy,
  type RouterContext,
} from "@solver-router/core";
import { defaultAdapters } from "@solver-router/providers";
import { DynamoProviderBalanceStore } from "./aws/dynamo-provider-balance-store.ts";
import { DynamoProviderStateStore } from "./aws/dynamo-provider-state-store.ts";
import { DynamoReportQuotaStore } from "./aws/dynamo-report-quota-store.ts";
import { DynamoTaskStore } from "./aws/dynamo-task-store.ts";
import { DynamoTeamStore } from "./aws/dynamo-team-store.ts";
import { DynamoUsageStore } from "./aws/dynamo-usage-store.ts";
import { newOrderedId } from "./aws/entities.ts";
import { createTaskEffectsAggregator } from "./aws/task-effects-aggregator.ts";
import { sqsDeadLetters, type DeadLetters } from "./aws/sqs-dead-letters.ts";
import { SqsWorkQueue } from "./aws/sqs-work-queue.ts";
import { signedCallbackSender } from "./callbacks/callback-sender.ts";
import { callbackUrlProblem, type CallbackTargetPolicy } from "./callbacks/target-policy.ts";
import { jsonLogger } from "./logger.ts";
import { meteredAdapters } from "./metrics/metered-adapters.ts";

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
  /** The router's public base URL (upstream pingbacks); unset = upstreams are polled. */
  publicUrl?: string;
  /**
   * Resolves when the books (usage, ledger, task counts, kept from the table's stream) hold every
   * write made so far; read before them. The local stack waits for its stream loop; on AWS they
   * trail by the stream's delay (docs/architecture.md "Money and usage").
   */
  booksCaughtUp?: () => Promise<void>;
  /** Operational metrics (EMF in Lambda); none when unset. */
  metrics?: Metrics;
  /** The work queue's dead-letter queue, for POST /v2/admin/dlq/redrive. */
  deadLetterQueueUrl?: string;
  /** Bad reports forwarded per team (default: ROUTER_REPORT_FREE / ROUTER_REPORT_SHARE, else 5 and 0.2). */
  reportPolicy?: ReportPolicy;
  /** Which callback URLs are accepted and called (default: public https addresses only, as on AWS). */
  callbackPolicy?: CallbackTargetPolicy;
}

export interface Runtime {
  ctx: RouterContext;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  /** Set when the settings name the dead-letter queue. */
  deadLetters?: DeadLetters;
  checkHealth(): Promise<void>;
  /** Applies a batch of the table's stream records to the books (task-effects-aggregator.ts). */
  aggregateTaskEffects: ReturnType<typeof createTaskEffectsAggregator>;
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
  const logger = settings.logger ?? jsonLogger;
  const booksCaughtUp = settings.booksCaughtUp ?? (async () => {});
  const teams = new DynamoTeamStore(db, settings.tableName, () => clock.now(), booksCaughtUp);
  const callbackPolicy = settings.callbackPolicy ?? { allowPrivate: false, httpsOnly: true };
  const adapters = settings.adapters ?? defaultAdapters;
  for (const provider of settings.providers) {
    if (!adapters[provider.protocol]) {
      throw new Error(`providers file: provider "${provider.id}" names protocol "${provider.protocol}", which is not one of ${Object.keys(adapters).join(", ")}`);
    }
  }
  const ctx: RouterContext = {
    tasks: new DynamoTaskStore(db, settings.tableName, booksCaughtUp),
    teams,
    usage: new DynamoUsageStore(db, settings.tableName, booksCaughtUp),
    providerStates: new DynamoProviderStateStore(db, settings.tableName, () => clock.now(), settings.providers.map((p) => p.id)),
    queue: new SqsWorkQueue(sqs, settings.queueUrl),
    callbacks: signedCallbackSender({ policy: callbackPolicy, secretFor: (teamId) => teams.getCallbackSecret(teamId), logger, now: () => clock.now() }),
    callbackTargets: { check: (url) => callbackUrlProblem(url, callbackPolicy) },
    providers: settings.providers,
    adapters: settings.metrics ? meteredAdapters(adapters, settings.metrics) : adapters,
    clock,
    logger,
    newId: newOrderedId,
    explorationShare: settings.explorationShare ?? 0.02,
    ...(settings.publicUrl ? { publicUrl: settings.publicUrl } : {}),
    balances: new DynamoProviderBalanceStore(db, settings.tableName),
    ...(settings.metrics ? { metrics: settings.metrics } : {}),
    reportQuota: new DynamoReportQuotaStore(db, settings.tableName),
    reportPolicy: settings.reportPolicy ?? reportPolicyFromEnv(process.env),
  };
  return {
    ctx,
    dynamo,
    sqs,
    aggregateTaskEffects: createTaskEffectsAggregator(db, settings.tableName, ctx.logger),
    ...(settings.deadLetterQueueUrl ? { deadLetters: sqsDeadLetters(sqs, settings.deadLetterQueueUrl, settings.queueUrl) } : {}),
    async checkHealth() {
      await Promise.all([
        dynamo.send(new DescribeTableCommand({ TableName: settings.tableName })),
        sqs.send(new GetQueueAttributesCommand({ QueueUrl: settings.queueUrl, AttributeNames: ["QueueArn"] })),
      ]);
    },
  };
}
