// The EMF lines CloudWatch turns into metrics (metrics/emf.ts), and the upstream-call metering
// around the adapters (metrics/metered-adapters.ts).
import type { AdapterRegistry, ProviderAdapter, Provider, UpstreamError } from "@solver-router/core";
import { describe, expect, it, vi } from "vitest";
import { createEmfMetrics, emfDocument } from "../src/metrics/emf.ts";
import { meteredAdapters } from "../src/metrics/metered-adapters.ts";

const AT = Date.UTC(2026, 11, 4, 12, 0, 0);

function capture() {
  const lines: string[] = [];
  const metrics = createEmfMetrics({ write: (line) => lines.push(line), now: () => AT });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const docs = () => lines.map((line) => JSON.parse(line) as any);
  return { metrics, lines, docs };
}

describe("emfDocument", () => {
  it("has the _aws.CloudWatchMetrics directive and the values as top-level members", () => {
    const doc = emfDocument("SolverRouter", AT, { Provider: "2captcha" }, [["Provider"], []], [{ name: "UpstreamBalance", unit: "None", value: 3.5 }], { Code: "x" });
    expect(doc).toEqual({
      _aws: {
        Timestamp: AT,
        CloudWatchMetrics: [{ Namespace: "SolverRouter", Dimensions: [["Provider"], []], Metrics: [{ Name: "UpstreamBalance", Unit: "None" }] }],
      },
      Code: "x",
      Provider: "2captcha",
      UpstreamBalance: 3.5,
    });
  });
});

describe("createEmfMetrics", () => {
  it("taskAccepted: one line, counted by type and by type and provider, with the credits reserved", () => {
    const { metrics, docs } = capture();
    metrics.taskAccepted({ type: "RecaptchaV2Task", routing: { providerId: "2captcha", reason: "cheapest" }, reservedMicro: 299_000 });
    expect(docs()).toEqual([
      {
        _aws: {
          Timestamp: AT,
          CloudWatchMetrics: [
            {
              Namespace: "SolverRouter",
              Dimensions: [["TaskType"], ["TaskType", "Provider"]],
              Metrics: [
                { Name: "TasksAccepted", Unit: "Count" },
                { Name: "CreditsReserved", Unit: "None" },
              ],
            },
          ],
        },
        TaskType: "RecaptchaV2Task",
        Provider: "2captcha",
        TasksAccepted: 1,
        CreditsReserved: 0.299,
      },
    ]);
  });

  it("taskEnded: completed tasks count with their charge and solve time; failed ones with no charge", () => {
    const { metrics, docs } = capture();
    metrics.taskEnded({ type: "ImageToTextTask", providerId: "solvecaptcha", completed: true, chargedMicro: 75_000, solveSeconds: 4.5 });
    metrics.taskEnded({ type: "ImageToTextTask", providerId: "none", completed: false, chargedMicro: 0, solveSeconds: 0 });
    const [done, failed] = docs();
    expect(done._aws.CloudWatchMetrics[0].Dimensions).toEqual([["TaskType"], ["Provider"], ["TaskType", "Provider"]]);
    expect(done._aws.CloudWatchMetrics[0].Metrics).toEqual([
      { Name: "TasksCompleted", Unit: "Count" },
      { Name: "CreditsCharged", Unit: "None" },
      { Name: "SolveSeconds", Unit: "Seconds" },
    ]);
    expect(done).toMatchObject({ TaskType: "ImageToTextTask", Provider: "solvecaptcha", TasksCompleted: 1, CreditsCharged: 0.075, SolveSeconds: 4.5 });
    expect(failed._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual(["TasksFailed", "CreditsCharged"]);
    expect(failed).toMatchObject({ Provider: "none", TasksFailed: 1, CreditsCharged: 0 });
    expect(failed).not.toHaveProperty("TasksCompleted");
  });

  it("cooldowns, balances and cooldown readings are also published without dimensions, for the alarms", () => {
    const { metrics, docs } = capture();
    metrics.cooldownStarted("2captcha", 300, "ERROR_ZERO_BALANCE");
    metrics.upstreamBalance("2captcha", 1.25);
    metrics.providerCoolingDown("2captcha", true);
    metrics.providerCoolingDown("acedata", false);
    const [cooldown, balance, cooling, notCooling] = docs();
    for (const doc of [cooldown, balance, cooling, notCooling]) expect(doc._aws.CloudWatchMetrics[0].Dimensions).toEqual([["Provider"], []]);
    expect(cooldown).toMatchObject({ Provider: "2captcha", Code: "ERROR_ZERO_BALANCE", Cooldowns: 1, CooldownSeconds: 300 });
    expect(balance).toMatchObject({ Provider: "2captcha", UpstreamBalance: 1.25 });
    expect(cooling).toMatchObject({ Provider: "2captcha", ProviderCoolingDown: 1 });
    expect(notCooling).toMatchObject({ Provider: "acedata", ProviderCoolingDown: 0 });
  });

  it("by default writes each document as one bare JSON line on stdout (not through console.log)", () => {
    const written: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const log = vi.spyOn(console, "log");
    try {
      createEmfMetrics({ now: () => AT }).upstreamBalance("2captcha", 7);
    } finally {
      write.mockRestore();
      log.mockRestore();
    }
    expect(written).toHaveLength(1);
    expect(written[0]!.endsWith("\n")).toBe(true);
    expect(JSON.parse(written[0]!)).toMatchObject({ Provider: "2captcha", UpstreamBalance: 7, _aws: { Timestamp: AT } });
    expect(log).not.toHaveBeenCalled();
  });

  it("a writer that throws never reaches the caller", () => {
    const metrics = createEmfMetrics({
      write: () => {
        throw new Error("stdout closed");
      },
    });
    expect(() => metrics.upstreamBalance("x", 1)).not.toThrow();
  });
});

describe("meteredAdapters", () => {
  const provider: Provider = { id: "2captcha", protocol: "twocaptcha", baseUrl: "https://x.example", apiKey: "k", enabled: true, tasks: {} };
  const noSlot: UpstreamError = { fault: "retry", code: "ERROR_NO_SLOT_AVAILABLE", message: "No slot.", waitSeconds: 5 };
  const badGateway: UpstreamError = { fault: "retry", code: "HTTP_502", message: "Bad gateway.", waitSeconds: 5 };

  function setup() {
    let clock = 1000;
    const answers = [{ kind: "error", error: noSlot }, { kind: "error", error: badGateway }, { kind: "submitted", upstreamId: "1" }] as const;
    let i = 0;
    const inner: ProviderAdapter = {
      protocol: "twocaptcha",
      taskTypes: ["ImageToTextTask"],
      submit: async () => {
        clock += 250; // the upstream takes 250 ms
        return answers[i++]!;
      },
      poll: async () => {
        clock += 40;
        return { kind: "not_ready" };
      },
      report: async () => ({ kind: "recorded" }),
      balance: async () => ({ kind: "balance", amount: 2 }),
    };
    const { metrics, docs } = capture();
    const adapters = meteredAdapters({ twocaptcha: inner, acedata: undefined, solverv2: undefined } as AdapterRegistry, metrics, () => clock);
    return { adapter: adapters.twocaptcha!, docs };
  }

  it("times every call and counts errors; 'slow down' answers count as rate-limit pauses with their wait", async () => {
    const { adapter, docs } = setup();
    const task = { type: "ImageToTextTask", fields: { image: "aGVsbG8=" } } as const;
    expect(await adapter.submit(provider, task)).toEqual({ kind: "error", error: noSlot });
    await adapter.submit(provider, task);
    expect(await adapter.submit(provider, task)).toEqual({ kind: "submitted", upstreamId: "1" });
    expect(await adapter.poll!(provider, "1", "ImageToTextTask")).toEqual({ kind: "not_ready" });
    const [slot, gateway, ok, poll] = docs();
    expect(slot).toMatchObject({ Provider: "2captcha", Operation: "submit", UpstreamLatency: 250, UpstreamErrors: 1, RateLimitPauses: 1, RateLimitWaitSeconds: 5, Code: "ERROR_NO_SLOT_AVAILABLE" });
    expect(slot._aws.CloudWatchMetrics[0].Dimensions).toEqual([["Provider", "Operation"], ["Provider"]]);
    expect(gateway).toMatchObject({ UpstreamErrors: 1, Code: "HTTP_502" });
    expect(gateway).not.toHaveProperty("RateLimitPauses");
    expect(ok).toMatchObject({ UpstreamLatency: 250, UpstreamErrors: 0 });
    expect(ok).not.toHaveProperty("Code");
    expect(poll).toMatchObject({ Operation: "poll", UpstreamLatency: 40, UpstreamErrors: 0 });
  });

  it("keeps the adapter's other members (balance, protocol facts)", async () => {
    const { adapter } = setup();
    expect(adapter).toMatchObject({ protocol: "twocaptcha", taskTypes: ["ImageToTextTask"] });
    expect(await adapter.balance!(provider)).toEqual({ kind: "balance", amount: 2 });
  });
});
