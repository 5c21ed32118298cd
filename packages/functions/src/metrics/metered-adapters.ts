/**
 * The protocol adapters with every upstream call timed and counted (UpstreamLatency,
 * UpstreamErrors, RateLimitPauses): a wrapper at the edge, so neither core's task processor nor
 * the adapters know about metrics. The balance request is timed where it is made (core's
 * provider-balance.ts).
 */
import type { AdapterRegistry, Metrics, ProviderAdapter, UpstreamCall, UpstreamError } from "@solver-router/core";
import { isRateLimitCode } from "./emf.ts";

type Outcome = { kind: string; error?: UpstreamError };

export function meteredAdapters(adapters: AdapterRegistry, metrics: Metrics, now: () => number = () => performance.now()): AdapterRegistry {
  return Object.fromEntries(
    Object.entries(adapters).map(([protocol, adapter]) => [protocol, adapter && meteredAdapter(adapter, metrics, now)]),
  ) as unknown as AdapterRegistry;
}

function meteredAdapter(adapter: ProviderAdapter, metrics: Metrics, now: () => number): ProviderAdapter {
  async function timed<T extends Outcome>(providerId: string, operation: UpstreamCall["operation"], call: () => Promise<T>): Promise<T> {
    const started = now();
    const outcome = await call();
    const error = outcome.kind === "error" ? outcome.error : undefined;
    metrics.upstreamCall({
      providerId,
      operation,
      durationMs: Math.round(now() - started),
      outcome: error ? "error" : "ok",
      ...(error ? { code: error.code } : {}),
      ...(error && isRateLimitCode(error.code) ? { rateLimitedSeconds: error.waitSeconds ?? 0 } : {}),
    });
    return outcome;
  }
  // Members this wrapper does not know (added later) pass through unchanged.
  return {
    ...adapter,
    submit: (provider, task, context) => timed(provider.id, "submit", () => adapter.submit(provider, task, context)),
    ...(adapter.poll ? { poll: (provider, upstreamId, type) => timed(provider.id, "poll", () => adapter.poll!(provider, upstreamId, type)) } : {}),
    ...(adapter.pollMany
      ? {
          // One request for many captchas: timed as one poll, an error if any answer was one.
          pollMany: async (provider, items) => {
            const started = now();
            const outcomes = await adapter.pollMany!(provider, items);
            const error = outcomes.find((o) => o.kind === "error")?.error;
            metrics.upstreamCall({
              providerId: provider.id,
              operation: "poll",
              durationMs: Math.round(now() - started),
              outcome: error ? "error" : "ok",
              ...(error ? { code: error.code } : {}),
            });
            return outcomes;
          },
        }
      : {}),
    ...(adapter.report ? { report: (provider, upstreamId, correct) => timed(provider.id, "report", () => adapter.report!(provider, upstreamId, correct)) } : {}),
  };
}
