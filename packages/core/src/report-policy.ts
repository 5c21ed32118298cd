/**
 * How many bad reports a team may have forwarded upstream (and refunded). The upstreams ban an
 * account that complains about many correct answers (2Captcha blocks reports past 40% and after
 * 15 minutes: ERROR_REPORT_NOT_RECORDED), and every team shares the router's account — so a
 * team's bad reports are forwarded only up to a share of its own solved tasks.
 */
export interface ReportPolicy {
  /** Bad reports always forwarded in a window, whatever the team solved (default 5). */
  freeReports: number;
  /** Beyond those, at most this share of the team's solved tasks in the window (default 0.2). */
  share: number;
}

export const DEFAULT_REPORT_POLICY: ReportPolicy = { freeReports: 5, share: 0.2 };

/** The trailing window both counts cover. */
export const REPORT_WINDOW_MS = 24 * 3600 * 1000;

/** How long after a provider accepted a captcha it still takes a report (2Captcha: 15 minutes, then ERROR_REPORT_NOT_RECORDED). */
export const DEFAULT_REPORT_WINDOW_SECONDS = 15 * 60;

/** The cap on forwarded bad reports for a team that solved `solved` tasks in the window. */
export const badReportCap = (policy: ReportPolicy, solved: number): number =>
  Math.max(policy.freeReports, Math.floor(solved * policy.share + 1e-9));

/** Solved tasks a team needs for its cap to exceed `forwarded` (beyond the free reports). */
export const solvedNeededFor = (policy: ReportPolicy, forwarded: number): number =>
  policy.share > 0 ? Math.ceil((forwarded + 1) / policy.share - 1e-9) : Number.POSITIVE_INFINITY;

/** Reads ROUTER_REPORT_FREE / ROUTER_REPORT_SHARE (unset: the defaults); throws on nonsense. */
export function reportPolicyFromEnv(env: Record<string, string | undefined>): ReportPolicy {
  const free = env.ROUTER_REPORT_FREE === undefined || env.ROUTER_REPORT_FREE === "" ? DEFAULT_REPORT_POLICY.freeReports : Number(env.ROUTER_REPORT_FREE);
  const share = env.ROUTER_REPORT_SHARE === undefined || env.ROUTER_REPORT_SHARE === "" ? DEFAULT_REPORT_POLICY.share : Number(env.ROUTER_REPORT_SHARE);
  if (!Number.isInteger(free) || free < 0) throw new Error("ROUTER_REPORT_FREE must be a whole number ≥ 0");
  if (!Number.isFinite(share) || share < 0 || share > 1) throw new Error("ROUTER_REPORT_SHARE must be between 0 and 1");
  return { freeReports: free, share };
}
