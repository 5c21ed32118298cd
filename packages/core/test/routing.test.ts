// The routing policy (routing.ts): which provider a task goes to, and why.
import { describe, expect, it } from "vitest";
import { emptyObservation, route, type Provider, type ProviderObservation, type ProviderState, type RouteRequest, type RouteResult } from "../src/index.ts";
import { credits, provider } from "./fakes.ts";

const NOW = Date.UTC(2025, 0, 15, 12);

const image = (price: string, seconds: number, accuracy: number) => ({ ImageToTextTask: { price, seconds, accuracy } });

const cheap = provider("cheap", "twocaptcha", image("0.1", 10, 0.9));
const mid = provider("mid", "twocaptcha", image("0.12", 10, 0.9));
const dear = provider("dear", "solverv2", image("0.15", 10, 0.9));
const fast = provider("fast", "solverv2", image("0.2", 2, 0.9));
const sharp = provider("sharp", "solverv2", image("0.2", 10, 0.99));

const req = (r: Partial<RouteRequest> = {}): RouteRequest => ({ type: "ImageToTextTask", priority: "balanced", ...r });

function routed(result: RouteResult) {
  if (result.kind !== "routed") throw new Error(`expected a provider, got ${JSON.stringify(result)}`);
  return result;
}

const state = (providerId: string, s: Partial<ProviderState> = {}): ProviderState => ({ providerId, observed: {}, ...s });

describe("priorities", () => {
  it("balanced picks the cheapest of providers with equal accuracy and speed, and charges its price", () => {
    const r = routed(route(req(), [dear, mid, cheap], [], { nowMs: NOW }));
    expect(r.provider.id).toBe("cheap");
    expect(r.priceMicro).toBe(credits("0.1"));
    expect(r.reason).toMatch(/^balanced: .*price 0\.1; next mid/);
    expect(r.candidates.map((c) => c.providerId)).toEqual(["cheap", "mid", "dear"]);
  });

  it("balanced does not take a much slower provider for a small saving", () => {
    const slowCheap = provider("slow-cheap", "twocaptcha", image("0.095", 120, 0.9));
    expect(routed(route(req(), [slowCheap, cheap], [], { nowMs: NOW })).provider.id).toBe("cheap");
  });

  it("balanced weighs accuracy: a cheap but often wrong provider costs more per right answer", () => {
    const sloppy = provider("sloppy", "twocaptcha", image("0.09", 10, 0.5));
    expect(routed(route(req(), [sloppy, cheap], [], { nowMs: NOW })).provider.id).toBe("cheap");
  });

  it("speed picks the fastest, whatever it costs", () => {
    const r = routed(route(req({ priority: "speed" }), [cheap, fast, sharp], [], { nowMs: NOW }));
    expect(r.provider.id).toBe("fast");
    expect(r.priceMicro).toBe(credits("0.2"));
    expect(r.reason).toMatch(/^speed: fastest expected answer/);
  });

  it("accuracy picks the most accurate, whatever it costs", () => {
    const r = routed(route(req({ priority: "accuracy" }), [cheap, fast, sharp], [], { nowMs: NOW }));
    expect(r.provider.id).toBe("sharp");
    expect(r.reason).toMatch(/^accuracy: most likely right answer \(96\.0%/);
  });

  it("ties go to the cheaper provider, then to the id, so decisions are stable", () => {
    const twin = provider("a-twin", "solverv2", image("0.1", 10, 0.9));
    expect(routed(route(req({ priority: "accuracy" }), [cheap, mid, twin], [], { nowMs: NOW })).provider.id).toBe("a-twin");
    expect(routed(route(req({ priority: "accuracy" }), [mid, dear], [], { nowMs: NOW })).provider.id).toBe("mid");
  });

  it("uses the price of the task's priority where a provider prices tiers", () => {
    const tiered = provider("tiered", "solverv2", {
      ImageToTextTask: { price: "0.1", seconds: 10, accuracy: 0.9, prices: { speed: "0.3", balanced: "0.08", accuracy: "0.2" } },
    });
    expect(routed(route(req(), [tiered, cheap], [], { nowMs: NOW }))).toMatchObject({ provider: { id: "tiered" }, priceMicro: 80_000 });
    expect(routed(route(req({ priority: "speed" }), [tiered], [], { nowMs: NOW })).priceMicro).toBe(300_000);
    expect(route(req({ priority: "speed", maxPriceMicro: credits("0.25") }), [tiered], [], { nowMs: NOW }).kind).toBe("none");
  });
});

describe("candidates", () => {
  it("only providers that serve the type and are enabled", () => {
    const off = provider("off", "twocaptcha", image("0.01", 1, 1), false);
    const tokensOnly = provider("tokens", "twocaptcha", { RecaptchaV2Task: { price: "0.01", seconds: 1, accuracy: 1 } });
    expect(routed(route(req(), [off, tokensOnly, dear], [], { nowMs: NOW })).provider.id).toBe("dear");
    expect(route(req(), [off, tokensOnly], [], { nowMs: NOW })).toEqual({ kind: "none", reason: "No enabled provider serves ImageToTextTask" });
  });

  it("never a provider the task already failed on", () => {
    expect(routed(route(req({ exclude: new Set(["cheap"]) }), [cheap, mid], [], { nowMs: NOW })).provider.id).toBe("mid");
    expect(route(req({ exclude: new Set(["cheap", "mid"]) }), [cheap, mid], [], { nowMs: NOW })).toEqual({
      kind: "none",
      reason: "No other enabled provider serves ImageToTextTask",
    });
  });

  it("max_price is respected, equal counts as within", () => {
    const r = routed(route(req({ priority: "accuracy", maxPriceMicro: credits("0.12") }), [cheap, mid, sharp], [], { nowMs: NOW }));
    expect(r.provider.id).toBe("cheap"); // sharp is more accurate but above max_price; cheap wins mid on price
    expect(r.candidates.map((c) => c.providerId).sort()).toEqual(["cheap", "mid"]);
    expect(routed(route(req({ maxPriceMicro: credits("0.15"), exclude: new Set(["cheap", "mid"]) }), [cheap, mid, dear], [], { nowMs: NOW })).provider.id).toBe("dear");
  });

  it("says clearly why nothing fits max_price", () => {
    expect(route(req({ maxPriceMicro: credits("0.05") }), [dear, cheap, mid], [], { nowMs: NOW })).toEqual({
      kind: "none",
      reason: "No provider serves ImageToTextTask within max_price 0.05; the cheapest costs 0.1",
    });
  });
});

describe("cooldowns", () => {
  it("a cooling provider is skipped until its cooldown ends", () => {
    const states = [state("cheap", { cooldownUntil: NOW + 60_000, cooldownReason: "ERROR_ZERO_BALANCE" })];
    expect(routed(route(req(), [cheap, mid], states, { nowMs: NOW })).provider.id).toBe("mid");
    expect(routed(route(req(), [cheap, mid], states, { nowMs: NOW + 60_000 })).provider.id).toBe("cheap");
  });

  it("when every provider cools down: kind cooling, naming the one back first", () => {
    const states = [
      state("cheap", { cooldownUntil: NOW + 300_000 }),
      state("mid", { cooldownUntil: NOW + 30_000 }),
      state("dear", { cooldownUntil: NOW + 600_000 }),
    ];
    const r = route(req(), [cheap, mid, dear], states, { nowMs: NOW });
    expect(r).toMatchObject({ kind: "cooling", provider: { id: "mid" }, priceMicro: credits("0.12"), untilMs: NOW + 30_000 });
    expect(r.reason).toBe("every provider for ImageToTextTask is cooling down; mid is back first");
  });

  it("cooling is only among providers within max_price", () => {
    const states = [state("cheap", { cooldownUntil: NOW + 300_000 })];
    const r = route(req({ maxPriceMicro: credits("0.1") }), [cheap, mid], states, { nowMs: NOW });
    expect(r).toMatchObject({ kind: "cooling", provider: { id: "cheap" }, untilMs: NOW + 300_000 });
  });
});

describe("what the router observed", () => {
  it("many unsolvable answers move balanced traffic to the next provider", () => {
    const before = routed(route(req(), [cheap, mid], [], { nowMs: NOW }));
    expect(before.provider.id).toBe("cheap");
    const degraded = [state("cheap", { observed: { ImageToTextTask: obs({ attempts: 200, solved: 10, unsolvable: 190, solveSecondsTotal: 100 }) } })];
    const after = routed(route(req(), [cheap, mid], degraded, { nowMs: NOW }));
    expect(after.provider.id).toBe("mid");
    expect(after.candidates.find((c) => c.providerId === "cheap")!.success).toBeCloseTo((20 * 0.97 + 10) / 220, 6);
  });

  it("a few failures do not flip routing (the table weighs as 20 observations)", () => {
    const states = [state("cheap", { observed: { ImageToTextTask: obs({ attempts: 2, solved: 1, unsolvable: 1, solveSecondsTotal: 10 }) } })];
    expect(routed(route(req(), [cheap, mid], states, { nowMs: NOW })).provider.id).toBe("cheap");
  });

  it("observed slow answers move speed traffic away from a provider whose table says fast", () => {
    expect(routed(route(req({ priority: "speed" }), [fast, cheap], [], { nowMs: NOW })).provider.id).toBe("fast");
    const slow = [state("fast", { observed: { ImageToTextTask: obs({ attempts: 40, solved: 40, solveSecondsTotal: 40 * 60 }) } })];
    const r = routed(route(req({ priority: "speed" }), [fast, cheap], slow, { nowMs: NOW }));
    expect(r.provider.id).toBe("cheap");
    expect(r.candidates.find((c) => c.providerId === "fast")!.solveSeconds).toBeCloseTo((20 * 2 + 2400) / 60, 6);
  });

  it("reportbad lowers a provider's accuracy for accuracy-priority tasks", () => {
    expect(routed(route(req({ priority: "accuracy" }), [sharp, cheap], [], { nowMs: NOW })).provider.id).toBe("sharp");
    const bad = [state("sharp", { observed: { ImageToTextTask: obs({ reportsBad: 30 }) } })];
    expect(routed(route(req({ priority: "accuracy" }), [sharp, cheap], bad, { nowMs: NOW })).provider.id).toBe("cheap");
  });

  it("observations of another task type do not count", () => {
    const other = [state("cheap", { observed: { RecaptchaV2Task: obs({ attempts: 100, unsolvable: 100 }) } })];
    expect(routed(route(req(), [cheap, mid], other, { nowMs: NOW })).provider.id).toBe("cheap");
  });
});

describe("exploration", () => {
  // near costs 5% more than cheap, equally accurate: close enough to keep
  // figures on; mid and dear are not.
  const near = provider("near", "solverv2", image("0.105", 10, 0.9));
  const observedStates = [
    state("cheap", { observed: { ImageToTextTask: obs({ attempts: 100, solved: 97, solveSecondsTotal: 970 }) } }),
    state("mid", { observed: { ImageToTextTask: obs({ attempts: 50, solved: 49, solveSecondsTotal: 490 }) } }),
  ];
  const providers: Provider[] = [cheap, near, mid, dear];

  it("never happens with share 0, whatever the random number", () => {
    for (const x of [0, 0.01, 0.5]) {
      expect(routed(route(req(), providers, observedStates, { nowMs: NOW, explorationShare: 0, random: () => x })).provider.id).toBe("cheap");
    }
  });

  it("sends the drawn share to the least-observed close candidate, deterministically", () => {
    const draws = [0.01, 0.5, 0.04, 0.99];
    const random = () => draws.shift()!;
    const picks = [0, 1, 2, 3].map(() => routed(route(req(), providers, observedStates, { nowMs: NOW, explorationShare: 0.05, random })));
    expect(picks.map((p) => p.provider.id)).toEqual(["near", "cheap", "near", "cheap"]);
    expect(picks[0]!.reason).toBe("exploration: near has 0 observed attempts");
    expect(picks[0]!.priceMicro).toBe(credits("0.105"));
  });

  it("never pays a clearly worse provider to explore (more than 10% above the best)", () => {
    const always = { nowMs: NOW, explorationShare: 1, random: () => 0 };
    expect(routed(route(req(), [cheap, mid, dear], observedStates, always)).provider.id).toBe("cheap");
  });

  it("only balanced tasks explore, and exploration still respects max_price and cooldowns", () => {
    const always = { nowMs: NOW, explorationShare: 1, random: () => 0 };
    for (const priority of ["speed", "accuracy"] as const) {
      const plain = routed(route(req({ priority }), providers, observedStates, { nowMs: NOW }));
      const withShare = routed(route(req({ priority }), providers, observedStates, always));
      expect(withShare.provider.id).toBe(plain.provider.id);
      expect(withShare.reason).not.toMatch(/exploration/);
    }
    expect(routed(route(req({ maxPriceMicro: credits("0.1") }), providers, observedStates, always)).provider.id).toBe("cheap");
    const nearCooling = [...observedStates, state("near", { cooldownUntil: NOW + 1000 })];
    expect(routed(route(req(), providers, nearCooling, always)).provider.id).toBe("cheap");
    expect(routed(route(req(), [cheap], [], always)).reason).toMatch(/only candidate/);
  });
});

function obs(o: Partial<ProviderObservation>) {
  return { ...emptyObservation(), ...o };
}

describe("an account's pace queue", () => {
  it("counts as waiting time: a short queue keeps the cheaper account, a long one sends balanced and speed elsewhere", () => {
    const nearlyAsCheap = provider("nearly", "solverv2", image("0.101", 10, 0.9));
    const queued = (seconds: number) => [state("cheap", { paceFreeAt: NOW + seconds * 1000 })];
    expect(routed(route(req(), [cheap, nearlyAsCheap], queued(0.5), { nowMs: NOW })).provider.id).toBe("cheap");
    expect(routed(route(req(), [cheap, nearlyAsCheap], queued(120), { nowMs: NOW })).provider.id).toBe("nearly");
    const speed = routed(route(req({ priority: "speed" }), [cheap, nearlyAsCheap], queued(120), { nowMs: NOW }));
    expect(speed.provider.id).toBe("nearly");
    expect(speed.candidates.find((c) => c.providerId === "cheap")?.expectedSeconds).toBeGreaterThanOrEqual(120);
    // A slot booked in the past is no queue.
    expect(routed(route(req(), [cheap, nearlyAsCheap], [state("cheap", { paceFreeAt: NOW - 60_000 })], { nowMs: NOW })).provider.id).toBe("cheap");
  });

  it("a much dearer provider is not worth a short queue", () => {
    expect(routed(route(req(), [cheap, dear], [state("cheap", { paceFreeAt: NOW + 15_000 })], { nowMs: NOW })).provider.id).toBe("cheap");
  });
});
