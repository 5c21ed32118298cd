/**
 * Core's Metrics (packages/core/src/metrics.ts) as CloudWatch Embedded Metric Format: one JSON
 * log line per event, which CloudWatch Logs turns into metrics in the `SolverRouter` namespace
 * with no API call and no agent (the Lambda log stream is the transport). docs/operations.md
 * lists every metric, its unit and its dimensions.
 *
 * A dozen lines of JSON rather than the aws-embedded-metrics library: that library flushes
 * asynchronously per logger scope and detects its environment (probing for an agent outside
 * Lambda), while core's calls are synchronous one-off events with their own dimensions.
 */
import type { Metrics, UpstreamCall } from "@solver-router/core";

export const METRICS_NAMESPACE = "SolverRouter";

export type MetricUnit = "Count" | "Milliseconds" | "Seconds" | "None";

export interface MetricValue {
  name: string;
  unit: MetricUnit;
  value: number;
}

/**
 * One EMF document: the metrics' values and the dimensions' values as top-level members, and
 * `_aws` saying which members are metrics and which dimension combinations to publish them under
 * (an empty combination publishes the metric without dimensions, for alarms across providers).
 */
export function emfDocument(
  namespace: string,
  timestampMs: number,
  dimensions: Record<string, string>,
  dimensionSets: string[][],
  metrics: MetricValue[],
  properties: Record<string, string | number> = {},
) {
  return {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: dimensionSets,
          Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
    ...properties,
    ...dimensions,
    ...Object.fromEntries(metrics.map((m) => [m.name, m.value])),
  };
}

/** Micro-credits as credits for a metric reading (metrics are doubles; no money is computed from them). */
const credits = (micro: number) => micro / 1_000_000;

/** Upstream codes that mean "slow down" rather than "broken": counted as rate-limit pauses. */
export function isRateLimitCode(code: string | undefined): boolean {
  return code !== undefined && (code === "ERROR_NO_SLOT_AVAILABLE" || code === "HTTP_429" || code === "too_many_requests" || /^ERROR:\s*\d+$/.test(code));
}

export interface EmfMetricsOptions {
  /**
   * Where each line goes. By default straight to stdout, not console.log: Lambda's console.log
   * wraps a line in its own format (a tab-separated prefix, or a JSON envelope when the function
   * logs as JSON), and CloudWatch only extracts metrics from a log event that is the EMF object.
   */
  write?: (line: string) => void;
  now?: () => number;
  namespace?: string;
}

export function createEmfMetrics(options: EmfMetricsOptions = {}): Metrics {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const namespace = options.namespace ?? METRICS_NAMESPACE;
  const emit = (dimensions: Record<string, string>, sets: string[][], metrics: MetricValue[], properties?: Record<string, string | number>) => {
    try {
      write(JSON.stringify(emfDocument(namespace, now(), dimensions, sets, metrics, properties)));
    } catch {
      // Metrics must never break the work they describe.
    }
  };
  return {
    taskAccepted(task) {
      emit({ TaskType: task.type, Provider: task.routing.providerId }, [["TaskType"], ["TaskType", "Provider"]], [
        { name: "TasksAccepted", unit: "Count", value: 1 },
        { name: "CreditsReserved", unit: "None", value: credits(task.reservedMicro) },
      ]);
    },
    taskEnded(usage) {
      const metrics: MetricValue[] = [
        { name: usage.completed ? "TasksCompleted" : "TasksFailed", unit: "Count", value: 1 },
        { name: "CreditsCharged", unit: "None", value: credits(usage.chargedMicro) },
      ];
      if (usage.completed) metrics.push({ name: "SolveSeconds", unit: "Seconds", value: usage.solveSeconds });
      emit({ TaskType: usage.type, Provider: usage.providerId }, [["TaskType"], ["Provider"], ["TaskType", "Provider"]], metrics);
    },
    cooldownStarted(providerId, seconds, code) {
      emit({ Provider: providerId }, [["Provider"], []], [
        { name: "Cooldowns", unit: "Count", value: 1 },
        { name: "CooldownSeconds", unit: "Seconds", value: seconds },
      ], { Code: code });
    },
    upstreamCall(call: UpstreamCall) {
      const metrics: MetricValue[] = [
        { name: "UpstreamLatency", unit: "Milliseconds", value: call.durationMs },
        { name: "UpstreamErrors", unit: "Count", value: call.outcome === "error" ? 1 : 0 },
      ];
      if (call.rateLimitedSeconds !== undefined) {
        metrics.push({ name: "RateLimitPauses", unit: "Count", value: 1 }, { name: "RateLimitWaitSeconds", unit: "Seconds", value: call.rateLimitedSeconds });
      }
      emit({ Provider: call.providerId, Operation: call.operation }, [["Provider", "Operation"], ["Provider"]], metrics, call.code ? { Code: call.code } : {});
    },
    upstreamBalance(providerId, balance) {
      emit({ Provider: providerId }, [["Provider"], []], [{ name: "UpstreamBalance", unit: "None", value: balance }]);
    },
    providerCoolingDown(providerId, coolingDown) {
      emit({ Provider: providerId }, [["Provider"], []], [{ name: "ProviderCoolingDown", unit: "Count", value: coolingDown ? 1 : 0 }]);
    },
  };
}
