// The routing policy (routing.ts) when providers degrade and teams report wrong answers:
// the accuracy figure from reportbad alone, and balanced's "failed attempts are free" chain.
import { describe, expect, it } from "vitest";
import { blendFigures, emptyObservation, route, type CandidateFigures, type Provider, type ProviderObservation, type ProviderState, type RouteResult, type TaskType } from "../src/index.ts";

const NOW = Date.UTC(2025, 0, 15, 12);

function imageProvider(id: string, price: number, seconds: number, accuracy: number): Provider {
  const tasks: Partial<Record<TaskType, { priceMicro: number; solveSeconds: number; accuracy: number }>> = {
    ImageToTextTask: { priceMicro: Math.round(price * 1_000_000), solveSeconds: seconds, accuracy },
  };
  return { id, protocol: "twocaptcha", baseUrl: `https://${id}.example`, apiKey: `key-${id}`, enabled: true, tasks };
}

const obs = (o: Partial<ProviderObservation>): ProviderObservation => ({ ...emptyObservation(), ...o });
const observed = (providerId: string, o: Partial<ProviderObservation>): ProviderState => ({ providerId, observed: { ImageToTextTask: obs(o) } });

function routedTo(result: RouteResult): string {
  if (result.kind !== "routed") throw new Error(`expected a provider, got ${JSON.stringify(result)}`);
  return result.provider.id;
}

const cheap = imageProvider("cheap", 0.075, 3, 0.9);
const usual = imageProvider("usual", 0.1, 3, 0.9);
const balanced = { type: "ImageToTextTask", priority: "balanced" } as const;

describe("accuracy from reportbad", () => {
  it("an unreported answer is neutral: heavy use alone neither sinks nor lifts a provider's accuracy; reportbad lowers it in proportion to all its answers", () => {
    const unreported = blendFigures(cheap, "ImageToTextTask", "balanced", obs({ attempts: 1000, solved: 1000, solveSecondsTotal: 3000 }))!;
    expect(unreported.accuracy).toBeCloseTo(0.9, 9);
    // 1000 answers, 50 reported bad, no reportgood (teams rarely send it): 5% fewer right, not 0%.
    const f = blendFigures(cheap, "ImageToTextTask", "balanced", obs({ attempts: 1000, solved: 1000, solveSecondsTotal: 3000, reportsBad: 50 }))!;
    expect(f.accuracy).toBeCloseTo(((20 + 950) * 0.9) / 1020, 9);
    expect(routedTo(route(balanced, [cheap, usual], [observed("cheap", { attempts: 1000, solved: 1000, solveSecondsTotal: 3000, reportsBad: 50 })], { nowMs: NOW }))).toBe("cheap");
  });

  it("a provider whose answers are often reported bad loses balanced traffic to a dearer, right one", () => {
    const complaints = observed("cheap", { attempts: 1000, solved: 1000, solveSecondsTotal: 3000, reportsBad: 400 }); // 61% right: 0.075 / 0.61 > 0.1 / 0.9
    expect(routedTo(route(balanced, [cheap, usual], [complaints], { nowMs: NOW }))).toBe("usual");
  });

  it("reportgood raises the figure, reportbad lowers it; reports without recorded answers still count (as a sample)", () => {
    const withGood = blendFigures(cheap, "ImageToTextTask", "balanced", obs({ attempts: 100, solved: 100, reportsGood: 40, reportsBad: 10 }))!;
    const withoutGood = blendFigures(cheap, "ImageToTextTask", "balanced", obs({ attempts: 100, solved: 100, reportsBad: 10 }))!;
    expect(withGood.accuracy).toBeCloseTo(((20 + 50) * 0.9 + 40) / 120, 9);
    expect(withoutGood.accuracy).toBeCloseTo(((20 + 90) * 0.9) / 120, 9);
    const reportsOnly = blendFigures(cheap, "ImageToTextTask", "balanced", obs({ reportsGood: 30, reportsBad: 10 }))!;
    expect(reportsOnly.accuracy).toBeCloseTo((20 * 0.9 + 30) / 60, 9);
  });
});

describe("balanced: failed attempts are not charged", () => {
  // The cheap provider now answers half of its captchas (and slower): failing over costs time, not money.
  const halfFailing = observed("cheap", { attempts: 1000, solved: 500, unsolvable: 500, solveSecondsTotal: 500 * 9 });
  // Its figures worked out by hand from routing.ts's rules (the table weighs as 20 observations,
  // with a prior success of 0.97): not read back from the candidate the router returns.
  const cheapSuccess = (20 * 0.97 + 500) / (20 + 1000);
  const cheapAccuracy = ((20 + 500) * 0.9) / (20 + 500);
  const cheapExpectedSeconds = (20 * 3 + 500 * 9) / (20 + 500) / cheapSuccess;
  const usualSuccess = 0.97; // no observations: the prior

  it("a cheap provider that fails half its captchas stays first while trying it, then failing over, is cheaper", () => {
    const result = route(balanced, [cheap, usual], [halfFailing], { nowMs: NOW });
    expect(routedTo(result)).toBe("cheap");
    if (result.kind !== "routed") return;
    const [c, u] = result.candidates as [CandidateFigures, CandidateFigures];
    expect(c).toMatchObject({ providerId: "cheap", priceMicro: 75_000 });
    expect(c.success).toBeCloseTo(cheapSuccess, 12);
    expect(c.accuracy).toBeCloseTo(cheapAccuracy, 12);
    expect(c.expectedSeconds).toBeCloseTo(cheapExpectedSeconds, 9);
    // cheap then usual: (s·0.075 + (1-s)·0.97·0.1) / (s·0.9 + (1-s)·0.97·0.9) credits, times 1 + expected seconds / 600.
    const failOver = (1 - cheapSuccess) * usualSuccess;
    const chain = ((cheapSuccess * 75_000 + failOver * 100_000) / (cheapSuccess * 0.9 + failOver * 0.9)) * (1 + cheapExpectedSeconds / 600);
    expect(c.score).toBeCloseTo(chain, 4);
    expect(c.score).toBeCloseTo(99_531.9, 0); // ≈ 0.0995 credits per right answer
    expect(c.score).toBeLessThan(u.score);
  });

  it("but speed leaves it for the provider that answers at once", () => {
    expect(routedTo(route({ ...balanced, priority: "speed" }, [cheap, usual], [halfFailing], { nowMs: NOW }))).toBe("usual");
  });

  it("a provider that almost never answers is not tried first, however cheap", () => {
    const dead = observed("cheap", { attempts: 1000, solved: 30, unsolvable: 970, solveSecondsTotal: 30 * 3 });
    expect(routedTo(route(balanced, [cheap, usual], [dead], { nowMs: NOW }))).toBe("usual");
  });

  it("as the only candidate (or the last one after failovers) it is scored alone", () => {
    const result = route({ ...balanced, exclude: new Set(["usual"]) }, [cheap, usual], [halfFailing], { nowMs: NOW });
    expect(routedTo(result)).toBe("cheap");
    if (result.kind === "routed") {
      const f = result.candidates[0]!;
      // alone: price / accuracy, times the latency factor
      expect(f.score).toBeCloseTo((75_000 / cheapAccuracy) * (1 + cheapExpectedSeconds / 600), 4);
      expect(result.reason).toMatch(/only candidate/);
    }
  });
});
