// createRuntime's operational wiring: metrics reach the context and meter the adapters only when
// given (Lambda, handlers/aws-settings.ts); the balances store and the dead-letter queue are there.
import { noMetrics, type Metrics, type UpstreamCall } from "@solver-router/core";
import { defaultAdapters } from "@solver-router/providers";
import { describe, expect, it } from "vitest";
import { createRuntime } from "../src/runtime.ts";

const base = { tableName: "t", queueUrl: "http://127.0.0.1:1/queue/work", providers: [], region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } };

describe("createRuntime", () => {
  it("without metrics: no metrics in the context and the adapters unwrapped, no dead-letter queue", () => {
    const runtime = createRuntime(base);
    expect(runtime.ctx.metrics).toBeUndefined();
    expect(runtime.ctx.adapters).toBe(defaultAdapters);
    expect(runtime.ctx.balances).toBeDefined();
    expect(runtime.deadLetters).toBeUndefined();
  });

  it("with metrics: the context carries them and every upstream call is metered", async () => {
    const calls: UpstreamCall[] = [];
    const metrics: Metrics = { ...noMetrics, upstreamCall: (call) => calls.push(call) };
    const runtime = createRuntime({ ...base, metrics, deadLetterQueueUrl: "http://127.0.0.1:1/queue/dlq" });
    expect(runtime.ctx.metrics).toBe(metrics);
    expect(runtime.deadLetters).toBeDefined();
    const adapter = runtime.ctx.adapters.twocaptcha!;
    expect(adapter).not.toBe(defaultAdapters.twocaptcha);
    // Port 1 refuses the connection: the adapter answers a network error, and it is counted.
    const provider = { id: "p", protocol: "twocaptcha" as const, baseUrl: "http://127.0.0.1:1", apiKey: "k", enabled: true, tasks: {} };
    const outcome = await adapter.poll!(provider, "123", "ImageToTextTask");
    expect(outcome).toMatchObject({ kind: "error", error: { code: "NETWORK_ERROR" } });
    expect(calls).toEqual([expect.objectContaining({ providerId: "p", operation: "poll", outcome: "error", code: "NETWORK_ERROR" })]);
  });
});
