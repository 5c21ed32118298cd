import { describe, expect, it } from "vitest";
import { buildUsageReport, emptyHistogram, histogramMedian, solveTimeBucket, type UsageRollup } from "../src/index.ts";

const histogramOf = (...seconds: number[]) => {
  const h = emptyHistogram();
  for (const s of seconds) h[solveTimeBucket(s)]!++;
  return h;
};

describe("solve-time histogram", () => {
  it("puts a time in the bucket whose upper edge it does not pass, the rest in the last bucket", () => {
    expect(solveTimeBucket(0.2)).toBe(0);
    expect(solveTimeBucket(1)).toBe(0);
    expect(solveTimeBucket(1.01)).toBe(1);
    expect(solveTimeBucket(5.2)).toBe(5); // (5, 6]
    expect(solveTimeBucket(10_000)).toBe(emptyHistogram().length - 1);
  });

  it("gives the median to within a bucket, interpolated, and null without data", () => {
    expect(histogramMedian(emptyHistogram())).toBeNull();
    // 5.2, 5.4, 5.6, 5.8 s: all in (5, 6]; the median is interpolated halfway through that bucket
    expect(histogramMedian(histogramOf(5.2, 5.4, 5.6, 5.8))).toBe(5.5);
    // three fast, one slow: the median stays with the fast ones, unlike the mean
    const median = histogramMedian(histogramOf(3.5, 3.6, 3.7, 200))!;
    expect(median).toBeGreaterThanOrEqual(3);
    expect(median).toBeLessThanOrEqual(4);
  });

  it("usage reports carry median_solve_seconds per row and in the totals", () => {
    const rollup = (type: UsageRollup["type"], seconds: number[]): UsageRollup => ({
      teamId: "t",
      day: "2026-11-21",
      type,
      providerId: "p",
      tasks: seconds.length,
      completed: seconds.length,
      failed: 0,
      chargedMicro: 100_000 * seconds.length,
      solveSecondsTotal: seconds.reduce((a, b) => a + b, 0),
      solveHistogram: histogramOf(...seconds),
    });
    const report = buildUsageReport([rollup("ImageToTextTask", [5.5, 5.5]), rollup("RecaptchaV2Task", [22, 23, 24])], ["task_type"]);
    expect(report.rows.map((r) => [(r as Record<string, unknown>).task_type, r.median_solve_seconds])).toEqual([
      ["ImageToTextTask", 5.5],
      ["RecaptchaV2Task", 22.5],
    ]);
    expect(report.totals.median_solve_seconds).toBe(20.83); // 2 in (5,6], 3 in (20,25]: 20 + (2.5 - 2) / 3 × 5
  });
});
