// What the task lifecycle and the provider check report through ctx.metrics (metrics.ts,
// provider-balance.ts): the edges turn these calls into CloudWatch metrics.
import { describe, expect, it } from "vitest";
import { checkProviders, type BalanceOutcome, type Metrics, type ProviderBalance, type ProviderBalanceStore } from "../src/index.ts";
import { createWorld, credits, provider, upstreamError } from "./fakes.ts";

type Call = [keyof Metrics, ...unknown[]];

function recordingMetrics() {
  const calls: Call[] = [];
  const metrics = new Proxy({} as Metrics, {
    get: (_t, name) => (...args: unknown[]) => calls.push([name as keyof Metrics, ...args]),
  });
  return { metrics, calls, of: (name: keyof Metrics) => calls.filter((c) => c[0] === name).map((c) => c.slice(1)) };
}

const image = (price: string) => ({ ImageToTextTask: { price, seconds: 5, accuracy: 0.9 } });
const alpha = provider("alpha", "twocaptcha", image("0.1"));
const beta = provider("beta", "twocaptcha", image("0.12"));

describe("task metrics", () => {
  it("a task that fails over: accepted once on the planned provider, one cooldown, ended once on the provider that solved it", async () => {
    const w = createWorld({ providers: [alpha, beta] });
    const m = recordingMetrics();
    w.ctx.metrics = m.metrics;
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("cooldown", "ERROR_ZERO_BALANCE", "No money.", 300));
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);

    expect(m.of("taskAccepted")).toHaveLength(1);
    expect(m.of("taskAccepted")[0]![0]).toMatchObject({ type: "ImageToTextTask", routing: { providerId: "alpha" }, reservedMicro: credits("0.1") });
    expect(m.of("cooldownStarted")).toEqual([["alpha", 300, "ERROR_ZERO_BALANCE"]]);
    expect(m.of("taskEnded")).toHaveLength(1);
    expect(m.of("taskEnded")[0]![0]).toMatchObject({ type: "ImageToTextTask", providerId: "beta", completed: true, chargedMicro: credits("0.12") });
  });

  it("a task the upstream refuses as malformed ends failed, charged nothing, with no cooldown", async () => {
    const w = createWorld({ providers: [alpha] });
    const m = recordingMetrics();
    w.ctx.metrics = m.metrics;
    w.adapters.twocaptcha.onSubmit("alpha", upstreamError("bad_request", "ERROR_WRONG_CAPTCHA_ID", "Bad."));
    const team = w.teams.seed(credits("1"));
    const { task_id } = await w.submit(team.teamId, "ImageToTextTask");
    await w.runner.runUntilFinished(task_id);
    expect(m.of("taskEnded")).toEqual([[expect.objectContaining({ providerId: "alpha", completed: false, chargedMicro: 0, solveSeconds: 0 })]]);
    expect(m.of("cooldownStarted")).toEqual([]);
  });

  it("a refused submit (insufficient credits) is not counted as accepted", async () => {
    const w = createWorld({ providers: [alpha] });
    const m = recordingMetrics();
    w.ctx.metrics = m.metrics;
    const team = w.teams.seed(credits("0.05"));
    await expect(w.submit(team.teamId, "ImageToTextTask")).rejects.toThrow(/Insufficient credits/);
    expect(m.calls).toEqual([]);
  });
});

class MemoryBalances implements ProviderBalanceStore {
  readonly items = new Map<string, ProviderBalance>();
  async list() {
    return [...this.items.values()];
  }
  async recordBalance(providerId: string, reading: { amount: number; currency?: string; readAt: number }) {
    const { error: _dropped, ...rest } = this.items.get(providerId) ?? { providerId };
    this.items.set(providerId, { ...rest, providerId, ...reading });
  }
  async recordBalanceError(providerId: string, error: { code: string; message: string; at: number }) {
    this.items.set(providerId, { ...(this.items.get(providerId) ?? { providerId }), error });
  }
}

describe("checkProviders", () => {
  it("reads each enabled provider's balance, keeps read failures apart, and reports cooldowns", async () => {
    const gamma = provider("gamma", "twocaptcha", image("0.1"), false);
    const w = createWorld({ providers: [alpha, beta, gamma] });
    const m = recordingMetrics();
    w.ctx.metrics = m.metrics;
    const answers: Record<string, BalanceOutcome> = {
      alpha: { kind: "balance", amount: 12.5, currency: "USD" },
      beta: { kind: "error", error: upstreamError("cooldown", "ERROR_KEY_DOES_NOT_EXIST", "Bad key.").error },
    };
    const read: string[] = [];
    Object.assign(w.adapters.twocaptcha, {
      balance: async (p: { id: string }) => {
        read.push(p.id);
        return answers[p.id]!;
      },
    });
    await w.providerStates.setCooldown("beta", w.clock.now() + 60_000, "ERROR_KEY_DOES_NOT_EXIST: Bad key.");
    const balances = new MemoryBalances();

    const checks = await checkProviders(w.ctx, balances);

    expect(read.sort()).toEqual(["alpha", "beta"]); // gamma is disabled
    expect(checks).toEqual([
      { providerId: "alpha", balance: 12.5, coolingDown: false },
      { providerId: "beta", error: "ERROR_KEY_DOES_NOT_EXIST: Bad key.", coolingDown: true },
      { providerId: "gamma", coolingDown: false },
    ]);
    expect(balances.items.get("alpha")).toEqual({ providerId: "alpha", amount: 12.5, currency: "USD", readAt: w.clock.now() });
    expect(balances.items.get("beta")).toEqual({ providerId: "beta", error: { code: "ERROR_KEY_DOES_NOT_EXIST", message: "Bad key.", at: w.clock.now() } });
    expect(m.of("upstreamBalance")).toEqual([["alpha", 12.5]]);
    expect(m.of("providerCoolingDown").sort()).toEqual([["alpha", false], ["beta", true]]); // gamma is disabled
    expect(m.of("upstreamCall").map(([c]) => (c as { providerId: string; outcome: string }).outcome)).toEqual(["ok", "error"]);
  });
});
