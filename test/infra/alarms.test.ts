/**
 * The CloudWatch alarms of infra/alarms.ts, evaluated for the production stage with an alarm
 * e-mail set: each alarm's metric, statistic, threshold and target, that the router's own
 * metrics are published the way the alarms read them, and that every alarm's runbook entry
 * exists in docs/operations.md.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { createEmfMetrics, METRICS_NAMESPACE } from "../../packages/functions/src/metrics/emf";
import { OutputRef, SstStandInError, createSstStandIn, evaluateSstConfig, type Evaluation, type RecordedFunction } from "./sst-recorder";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ALARM_EMAIL = "router-oncall@example.com";

let evaluation: Evaluation;

beforeAll(async () => {
  process.env.ROUTER_ALARM_EMAIL = ALARM_EMAIL;
  try {
    evaluation = await evaluateSstConfig(join(ROOT, "sst.config.ts"), "production");
  } finally {
    delete process.env.ROUTER_ALARM_EMAIL;
  }
});

const recording = () => evaluation.recording;
const alarm = (name: string) => recording().component("aws.cloudwatch.MetricAlarm", name).args;
const ref = (value: unknown) => (value instanceof OutputRef ? value.label : value);

function functionWithHandler(name: string): RecordedFunction {
  const found = recording().functions.filter((fn) => fn.handler === `packages/functions/src/handlers/${name}.handler`);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe("alarms", () => {
  it("are exactly the failures docs/operations.md lists, each with its runbook entry", () => {
    const names = recording()
      .components.filter((c) => c.type === "aws.cloudwatch.MetricAlarm")
      .map((c) => c.name)
      .sort();
    expect(names).toEqual(["Api5xx", "DeadLetterQueueNotEmpty", "ProviderCoolingDown", "ProviderMonitorErrors", "SweeperErrors", "UpstreamBalanceLow", "WorkerErrors"]);
    const doc = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
    const anchors = new Set([...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-")));
    for (const name of names) {
      const description = alarm(name).alarmDescription as string;
      const anchor = /docs\/operations\.md#([a-z0-9-]+)/.exec(description)?.[1];
      expect(anchor, `${name}: its description points to a runbook entry`).toBe(name.toLowerCase());
      expect(anchors.has(anchor!), `docs/operations.md has a heading "${name}"`).toBe(true);
    }
  });

  it("each notify the alarm topic when they fire and when they clear, and the on-call address is subscribed", () => {
    for (const c of recording().components.filter((x) => x.type === "aws.cloudwatch.MetricAlarm")) {
      expect((c.args.alarmActions as unknown[]).map(ref), c.name).toEqual(["AlarmTopic.arn"]);
      expect((c.args.okActions as unknown[]).map(ref), c.name).toEqual(["AlarmTopic.arn"]);
    }
    const subscription = recording().component("aws.sns.TopicSubscription", "AlarmEmail").args;
    expect({ ...subscription, topic: ref(subscription.topic) }).toEqual({ topic: "AlarmTopic.arn", protocol: "email", endpoint: ALARM_EMAIL });
  });

  it("DeadLetterQueueNotEmpty: any visible message in the work queue's dead-letter queue", () => {
    const a = alarm("DeadLetterQueueNotEmpty");
    expect({ ...a, dimensions: { QueueName: ref((a.dimensions as { QueueName: unknown }).QueueName) } }).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "WorkQueueDlq.nodes.queue.name" },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      evaluationPeriods: 1,
    });
    // The queue watched is the one the work queue dead-letters into.
    const dlq = recording().component("sst.aws.Queue", "WorkQueue").args.dlq as { queue: unknown };
    expect(ref(dlq.queue)).toBe("WorkQueueDlq.arn");
  });

  it("WorkerErrors, SweeperErrors, ProviderMonitorErrors: any failed invocation of that function, by its stage's name", () => {
    for (const [name, handler] of [["WorkerErrors", "worker"], ["SweeperErrors", "sweeper"], ["ProviderMonitorErrors", "provider-monitor"]] as const) {
      const a = alarm(name);
      const fnName = functionWithHandler(handler).args.name;
      expect(fnName).toBe(`solver-router-production-${handler}`);
      expect(a, name).toMatchObject({
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fnName },
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
      });
    }
  });

  it("ProviderCoolingDown: a provider cooling down at every check for at least 15 minutes", () => {
    const a = alarm("ProviderCoolingDown");
    expect(a).toMatchObject({ namespace: METRICS_NAMESPACE, metricName: "ProviderCoolingDown", statistic: "Maximum", comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 1 });
    expect(a.dimensions).toBeUndefined(); // across providers
    expect(a.datapointsToAlarm).toBe(a.evaluationPeriods);
    expect((a.evaluationPeriods as number) * (a.period as number)).toBeGreaterThanOrEqual(15 * 60);
    // One reading per period at least: the provider monitor runs every 5 minutes.
    expect(a.period).toBeGreaterThanOrEqual(5 * 60);
  });

  it("UpstreamBalanceLow: the lowest upstream balance under 5 (USD for 2Captcha)", () => {
    const a = alarm("UpstreamBalanceLow");
    expect(a).toMatchObject({ namespace: METRICS_NAMESPACE, metricName: "UpstreamBalance", statistic: "Minimum", comparisonOperator: "LessThanThreshold", threshold: 5 });
    expect(a.dimensions).toBeUndefined();
    expect(a.period).toBeGreaterThan(5 * 60); // more than one check per period
  });

  it("Api5xx: five or more 5xx answers from the HTTP API in five minutes", () => {
    const a = alarm("Api5xx");
    expect({ ...a, dimensions: { ApiId: ref((a.dimensions as { ApiId: unknown }).ApiId) } }).toMatchObject({
      namespace: "AWS/ApiGateway",
      metricName: "5xx",
      dimensions: { ApiId: "Api.nodes.api.id" },
      statistic: "Sum",
      period: 300,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 5,
    });
  });

  it("watch metrics the router really publishes without dimensions (packages/functions/src/metrics/emf.ts)", () => {
    const lines: string[] = [];
    const metrics = createEmfMetrics({ write: (line) => lines.push(line) });
    metrics.providerCoolingDown("2captcha", true);
    metrics.upstreamBalance("2captcha", 3);
    const published = lines.map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } });
    for (const name of ["ProviderCoolingDown", "UpstreamBalanceLow"]) {
      const a = alarm(name);
      const directive = published.map((d) => d._aws.CloudWatchMetrics[0]!).find((d) => d.Metrics.some((m) => m.Name === a.metricName));
      expect(directive, `${name}: ${String(a.metricName)} is emitted`).toBeDefined();
      expect(directive!.Namespace).toBe(a.namespace);
      expect(directive!.Dimensions).toContainEqual([]);
    }
  });

  it("name every function after the stage, within Lambda's 64 characters", () => {
    const names = recording().functions.map((fn) => fn.args.name as string);
    expect(names.every((n) => n.startsWith("solver-router-production-"))).toBe(true);
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(64);
  });
});

describe("the stand-in refuses malformed alarms", () => {
  type Ctor = new (...args: unknown[]) => unknown;
  const fresh = () => {
    const standIn = createSstStandIn();
    standIn.recording.evaluating = true;
    return (standIn.globals.aws as { cloudwatch: { MetricAlarm: Ctor } }).cloudwatch.MetricAlarm;
  };
  const good = { namespace: "X", metricName: "Y", statistic: "Sum", period: 300, evaluationPeriods: 1, comparisonOperator: "GreaterThanThreshold", threshold: 0 };

  it("accepts a well-formed one", () => {
    const MetricAlarm = fresh();
    expect(() => new MetricAlarm("Good", good)).not.toThrow();
  });

  it("refuses unknown options, bad periods, a missing statistic and an unknown comparison", () => {
    const MetricAlarm = fresh();
    expect(() => new MetricAlarm("A", { ...good, metric: "Y" })).toThrow(SstStandInError);
    expect(() => new MetricAlarm("B", { ...good, period: 90 })).toThrow(/multiple of 60/);
    expect(() => new MetricAlarm("C", { ...good, statistic: undefined })).toThrow(/statistic/);
    expect(() => new MetricAlarm("D", { ...good, comparisonOperator: "Above" })).toThrow(/comparisonOperator/);
    expect(() => new MetricAlarm("E", { ...good, datapointsToAlarm: 3 })).toThrow(/datapointsToAlarm/);
  });
});
