/**
 * Per-team request rate limit (429 with Retry-After, docs/api.md). A token bucket per team in this
 * process: in Lambda each instance limits on its own, which bounds a runaway client without a
 * database write per request. The native API and the compatibility facades draw on the same
 * buckets.
 */
import type { MiddlewareHandler } from "hono";
import type { AuthVariables } from "./auth.ts";
import { detail } from "./errors.ts";

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface TeamBuckets {
  readonly limit: RateLimit;
  /** Takes one request from the team's bucket: 0 if allowed, else the seconds to wait. */
  take(teamId: string): number;
}

export function teamBuckets(limit: RateLimit, now: () => number = Date.now): TeamBuckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    limit,
    take(teamId) {
      const t = now();
      const bucket = buckets.get(teamId) ?? { tokens: limit.burst, at: t };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.perSecond);
      bucket.at = t;
      buckets.set(teamId, bucket);
      if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
      bucket.tokens -= 1;
      return 0;
    },
  };
}

export function teamRateLimit(limitOrBuckets: RateLimit | TeamBuckets, now: () => number = Date.now): MiddlewareHandler<{ Variables: AuthVariables }> {
  const buckets = "take" in limitOrBuckets ? limitOrBuckets : teamBuckets(limitOrBuckets, now);
  return async (c, next) => {
    const retryAfter = buckets.take(c.get("teamId"));
    if (retryAfter > 0) {
      return detail(c, 429, `Rate limit of ${buckets.limit.perSecond} requests per second exceeded; retry after ${retryAfter} s`, {
        "retry-after": String(retryAfter),
      });
    }
    await next();
  };
}
