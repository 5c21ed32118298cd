/**
 * Per-team request rate limit (429 with Retry-After, docs/api.md). A token bucket per team in this
 * process: in Lambda each instance limits on its own, which bounds a runaway client without a
 * database write per request.
 */
import type { MiddlewareHandler } from "hono";
import type { AuthVariables } from "./auth.ts";
import { detail } from "./errors.ts";

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export function teamRateLimit(limit: RateLimit, now: () => number = Date.now): MiddlewareHandler<{ Variables: AuthVariables }> {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return async (c, next) => {
    const teamId = c.get("teamId");
    const t = now();
    const bucket = buckets.get(teamId) ?? { tokens: limit.burst, at: t };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.perSecond);
    bucket.at = t;
    buckets.set(teamId, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
      return detail(c, 429, `Rate limit of ${limit.perSecond} requests per second exceeded; retry after ${retryAfter} s`, {
        "retry-after": String(retryAfter),
      });
    }
    bucket.tokens -= 1;
    await next();
  };
}
