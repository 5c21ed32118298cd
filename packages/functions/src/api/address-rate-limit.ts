/**
 * Per source address limit for the routes anyone can call or that are guarded by the admin key
 * only (/health, pricing, /docs, the OpenAPI document, the dashboard, /v2/admin/*): 429 with
 * Retry-After before any work is done.
 */
import type { MiddlewareHandler } from "hono";
import { clientAddress } from "./client-address.ts";
import { tooMany } from "./key-guard.ts";
import { TokenBuckets, type RateLimit } from "./token-buckets.ts";

export const DEFAULT_ADDRESS_LIMIT: RateLimit = { perSecond: 100, burst: 200 };

export function addressRateLimit(limit: RateLimit = DEFAULT_ADDRESS_LIMIT, now: () => number = Date.now): MiddlewareHandler {
  const buckets = new TokenBuckets(limit, now);
  return async (c, next) => {
    const address = clientAddress(c);
    if (!buckets.take(address)) return tooMany(c, buckets.retryAfter(address), "Too many requests from this address");
    await next();
  };
}
