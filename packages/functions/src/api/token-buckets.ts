/**
 * Token buckets by key (a source address, "global"…), in this process. The map is bounded:
 * past `maxKeys` the least recently used key is dropped (a full bucket is the same as no
 * bucket), so a flood from many addresses cannot grow memory without end.
 */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** Tokens left for `key` now (refilled for the time passed). */
  available(key: string): number {
    return this.refill(key).tokens;
  }

  /** Takes a token; false (and nothing taken) when the bucket is empty. */
  take(key: string): boolean {
    const bucket = this.refill(key);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Gives back a token taken for `key` (never above the burst). */
  giveBack(key: string): void {
    const bucket = this.refill(key);
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + 1);
  }

  /** Seconds until `key` has a token again (at least 1). */
  retryAfter(key: string): number {
    const tokens = this.available(key);
    return Math.max(1, Math.ceil((1 - tokens) / this.limit.perSecond));
  }

  private refill(key: string) {
    const t = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: t };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = t;
    this.buckets.delete(key); // re-inserted last: Map order is recency
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return bucket;
  }
}
