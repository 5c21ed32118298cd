// CloudWatch alarms for the failures docs/operations.md lists, each with its runbook entry there,
// notifying one SNS topic. Set ROUTER_ALARM_EMAIL at deploy time to subscribe an address (AWS
// sends a confirmation mail first); other subscribers (chat, paging) attach to the topic.
// Thresholds can be moved per stage with ROUTER_LOW_BALANCE (the upstream's currency, USD for
// 2Captcha) and ROUTER_COOLDOWN_ALARM_MINUTES.
// Options: https://www.pulumi.com/registry/packages/aws/api-docs/cloudwatch/metricalarm/
import { api } from "./api";
import { functionName, type HandlerName } from "./functions";
import { PROVIDER_CHECK_MINUTES } from "./provider-monitor";
import { deadLetterQueue } from "./queue";

/** Namespace of the router's own metrics (packages/functions/src/metrics/emf.ts METRICS_NAMESPACE). */
const ROUTER_NAMESPACE = "SolverRouter";
const FIVE_MINUTES = 300;

export const LOW_BALANCE_THRESHOLD = Number(process.env.ROUTER_LOW_BALANCE ?? 5);
export const COOLDOWN_ALARM_MINUTES = Number(process.env.ROUTER_COOLDOWN_ALARM_MINUTES ?? 15);
/** API answers of 500 and above in five minutes that raise the alarm (one 503 while every provider cools down is not yet an incident). */
export const API_5XX_THRESHOLD = 5;

export const alarmTopic = new aws.sns.Topic("AlarmTopic", { displayName: "solver-router alarms" });

const alarmEmail = process.env.ROUTER_ALARM_EMAIL;
if (alarmEmail) {
  new aws.sns.TopicSubscription("AlarmEmail", { topic: alarmTopic.arn, protocol: "email", endpoint: alarmEmail });
}

/** Every alarm notifies the topic when it fires and again when it clears. */
const notify = { alarmActions: [alarmTopic.arn], okActions: [alarmTopic.arn] };

export const deadLetterAlarm = new aws.cloudwatch.MetricAlarm("DeadLetterQueueNotEmpty", {
  alarmDescription: "Messages reached the work queue's dead-letter queue: tasks may be stuck. Runbook: docs/operations.md#deadletterqueuenotempty",
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  dimensions: { QueueName: deadLetterQueue.nodes.queue.name },
  statistic: "Maximum",
  period: FIVE_MINUTES,
  evaluationPeriods: 1,
  comparisonOperator: "GreaterThanThreshold",
  threshold: 0,
  treatMissingData: "notBreaching",
  ...notify,
});

/** Invocation errors (crash, timeout, out of memory) of the functions that run in the background. */
const watchedFunctions: { handler: HandlerName; alarm: string }[] = [
  { handler: "worker", alarm: "WorkerErrors" },
  { handler: "sweeper", alarm: "SweeperErrors" },
  { handler: "provider-monitor", alarm: "ProviderMonitorErrors" },
];
export const functionErrorAlarms = watchedFunctions.map(
  ({ handler, alarm }) =>
    new aws.cloudwatch.MetricAlarm(alarm, {
      alarmDescription: `The ${handler} function failed an invocation. Runbook: docs/operations.md#${alarm.toLowerCase()}`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: functionName(handler) },
      statistic: "Sum",
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "notBreaching",
      ...notify,
    }),
);

// The provider monitor publishes ProviderCoolingDown (1 or 0) per provider every few minutes, and
// also without dimensions: the maximum across providers is 1 when any of them is cooling down.
const cooldownPeriods = Math.max(1, Math.ceil(COOLDOWN_ALARM_MINUTES / PROVIDER_CHECK_MINUTES));
export const cooldownAlarm = new aws.cloudwatch.MetricAlarm("ProviderCoolingDown", {
  alarmDescription:
    `A provider has been cooling down at every check for ${COOLDOWN_ALARM_MINUTES} minutes (see GET /v2/admin/providers). ` +
    "Runbook: docs/operations.md#providercoolingdown",
  namespace: ROUTER_NAMESPACE,
  metricName: "ProviderCoolingDown",
  statistic: "Maximum",
  period: PROVIDER_CHECK_MINUTES * 60,
  evaluationPeriods: cooldownPeriods,
  datapointsToAlarm: cooldownPeriods,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  threshold: 1,
  treatMissingData: "notBreaching",
  ...notify,
});

// UpstreamBalance is published per provider and without dimensions: the minimum is the lowest
// balance of any upstream account.
export const lowBalanceAlarm = new aws.cloudwatch.MetricAlarm("UpstreamBalanceLow", {
  alarmDescription:
    `An upstream account's balance fell below ${LOW_BALANCE_THRESHOLD} (its currency) — tasks there will fail with ERROR_ZERO_BALANCE once it is empty. ` +
    "Runbook: docs/operations.md#upstreambalancelow",
  namespace: ROUTER_NAMESPACE,
  metricName: "UpstreamBalance",
  statistic: "Minimum",
  // Three checks per period, so one late run never leaves a period empty.
  period: 3 * PROVIDER_CHECK_MINUTES * 60,
  evaluationPeriods: 1,
  comparisonOperator: "LessThanThreshold",
  threshold: LOW_BALANCE_THRESHOLD,
  treatMissingData: "missing",
  ...notify,
});

export const api5xxAlarm = new aws.cloudwatch.MetricAlarm("Api5xx", {
  alarmDescription: `The API answered ${API_5XX_THRESHOLD} or more 5xx in five minutes. Runbook: docs/operations.md#api5xx`,
  namespace: "AWS/ApiGateway",
  metricName: "5xx",
  dimensions: { ApiId: api.nodes.api.id },
  statistic: "Sum",
  period: FIVE_MINUTES,
  evaluationPeriods: 1,
  comparisonOperator: "GreaterThanOrEqualToThreshold",
  threshold: API_5XX_THRESHOLD,
  treatMissingData: "notBreaching",
  ...notify,
});
