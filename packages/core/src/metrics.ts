/**
 * What the router counts for operations (docs/operations.md "Metrics"): the edges turn these
 * calls into CloudWatch Embedded Metric Format lines (packages/functions/src/metrics); core only
 * says what happened. Every call is fire-and-forget and must never throw or wait.
 */
import type { UsageEvent } from "./ports.ts";
import type { TaskRecord } from "./task.ts";

/** One upstream exchange, as seen from the router: which call, how long, and how it went. */
export interface UpstreamCall {
  providerId: string;
  operation: "submit" | "poll" | "report" | "balance";
  durationMs: number;
  /** "ok" for any answer that is not an error (solved, not ready, submitted, recorded). */
  outcome: "ok" | "error";
  /** The upstream's error code when outcome is "error". */
  code?: string;
  /** The wait the upstream asked for when it said to slow down (no slot, 429, a request-limit block). */
  rateLimitedSeconds?: number;
}

export interface Metrics {
  /** A submit was accepted: the task is written and its price reserved. */
  taskAccepted(task: Pick<TaskRecord, "type" | "routing" | "reservedMicro">): void;
  /** A task reached completed or failed (its final write landed): the task's usage event. */
  taskEnded(usage: Pick<UsageEvent, "type" | "providerId" | "completed" | "chargedMicro" | "solveSeconds">): void;
  /** A provider starts cooling down: every worker routes around it for `seconds`. */
  cooldownStarted(providerId: string, seconds: number, code: string): void;
  upstreamCall(call: UpstreamCall): void;
  /** The router's own balance at an upstream, as the upstream reported it (its currency). */
  upstreamBalance(providerId: string, balance: number): void;
  /** Whether a provider is cooling down right now (a periodic reading, for "cooling down for N minutes"). */
  providerCoolingDown(providerId: string, coolingDown: boolean): void;
}

/** The default: nothing is counted (unit tests, the local stack). */
export const noMetrics: Metrics = {
  taskAccepted() {},
  taskEnded() {},
  cooldownStarted() {},
  upstreamCall() {},
  upstreamBalance() {},
  providerCoolingDown() {},
};
