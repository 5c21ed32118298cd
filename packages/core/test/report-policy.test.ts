// The bad-report cap: max(free reports, share × solved tasks), and its configuration.
import { describe, expect, it } from "vitest";
import { badReportCap, DEFAULT_REPORT_POLICY, reportPolicyFromEnv, solvedNeededFor } from "../src/index.ts";

describe("bad-report cap", () => {
  it("is max(5, 20% of solved tasks) by default, rounding down", () => {
    expect([0, 10, 29, 30, 34, 35, 100, 1000].map((solved) => badReportCap(DEFAULT_REPORT_POLICY, solved))).toEqual([5, 5, 5, 6, 6, 7, 20, 200]);
  });

  it("counts only as many solved tasks as the next forwarded report needs", () => {
    expect(solvedNeededFor(DEFAULT_REPORT_POLICY, 5)).toBe(30);
    expect(solvedNeededFor(DEFAULT_REPORT_POLICY, 6)).toBe(35);
    for (const forwarded of [5, 6, 7, 19, 20, 199]) {
      const needed = solvedNeededFor(DEFAULT_REPORT_POLICY, forwarded);
      expect(badReportCap(DEFAULT_REPORT_POLICY, needed)).toBeGreaterThan(forwarded);
      expect(badReportCap(DEFAULT_REPORT_POLICY, needed - 1)).toBeLessThanOrEqual(forwarded);
    }
    expect(solvedNeededFor({ freeReports: 5, share: 0 }, 5)).toBe(Number.POSITIVE_INFINITY);
  });

  it("is configured per deployment by ROUTER_REPORT_FREE and ROUTER_REPORT_SHARE; nonsense is refused", () => {
    expect(reportPolicyFromEnv({})).toEqual({ freeReports: 5, share: 0.2 });
    expect(reportPolicyFromEnv({ ROUTER_REPORT_FREE: "2", ROUTER_REPORT_SHARE: "0.1" })).toEqual({ freeReports: 2, share: 0.1 });
    expect(() => reportPolicyFromEnv({ ROUTER_REPORT_FREE: "-1" })).toThrow(/ROUTER_REPORT_FREE/);
    expect(() => reportPolicyFromEnv({ ROUTER_REPORT_SHARE: "1.5" })).toThrow(/ROUTER_REPORT_SHARE/);
    expect(() => reportPolicyFromEnv({ ROUTER_REPORT_SHARE: "lots" })).toThrow(/ROUTER_REPORT_SHARE/);
  });
});
