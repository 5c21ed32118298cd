// The cost model's arithmetic at the list prices, the Lambda memory read from infra/, and the
// fixed mix (same seed, same tasks; shares as declared).
import { describe, expect, it } from "vitest";
import { REALISTIC_MIX, realisticMix } from "../src/mix.ts";
import { billPerMillionTasks, infraMemoryMb } from "../src/prices.ts";
import { percentile } from "../src/stats.ts";

describe("cost model", () => {
  it("bills per million tasks at the list prices", () => {
    const bill = billPerMillionTasks({ writeUnits: 12, readUnits: 8, sqsRequests: 8, lambdaInvocations: 3, lambdaGbSeconds: 0.15, apiRequests: 1 });
    expect(bill.dynamo).toBeCloseTo(12 * 0.625 + 8 * 0.125, 9); // 8.5
    expect(bill.sqs).toBeCloseTo(3.2, 9);
    expect(bill.lambda).toBeCloseTo(3 * 0.2 + 0.15 * 13.3334, 6); // 2.60001
    expect(bill.httpApi).toBe(1);
    expect(bill.total).toBeCloseTo(8.5 + 3.2 + 2.60001 + 1, 5);
  });

  it("reads each function's memory from infra/", () => {
    for (const file of ["api.ts", "worker.ts", "sweeper.ts"] as const) {
      expect(infraMemoryMb(file)).toBeGreaterThanOrEqual(128);
      expect(infraMemoryMb(file)).toBeLessThanOrEqual(10_240);
    }
  });

  it("draws the same mix for the same seed, near the declared shares", () => {
    const a = realisticMix(2_000, 7);
    expect(realisticMix(2_000, 7)).toEqual(a);
    expect(realisticMix(2_000, 8).map((t) => t.type)).not.toEqual(a.map((t) => t.type));
    for (const [type, share] of Object.entries(REALISTIC_MIX)) {
      const seen = a.filter((t) => t.type === type).length / a.length;
      expect(Math.abs(seen - share / 100)).toBeLessThan(0.04);
    }
  });

  it("nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 90)).toBe(90);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
