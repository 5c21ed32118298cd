/**
 * Bounded work before authentication. Each key check that reaches the table costs two reads,
 * so a flood of made-up keys must not turn into a flood of reads:
 *  - per source address, failed authentications (missing, malformed, unknown, revoked or wrong
 *    admin keys) spend a token bucket; once it is empty the address gets 429 for anything but a
 *    key this instance has seen valid;
 *  - key hashes found unknown are remembered for a while (a bounded negative cache) and answered
 *    401 without a read;
 *  - keys not seen valid before share one lookup budget per instance: a flood spread over many
 *    addresses still reaches the table at most `unknownKeyLookups.perSecond` times a second.
 * Keys seen valid are exempt from these budgets, and their team is remembered for
 * `validKeyTtlMs` (2 s): a busy team's submits read neither its key item nor its team item (the
 * balance is checked by the create's own transaction, and every view of it reads it afresh). Any
 * admin change to a team — a key revoked, a suspension, a budget — drops what this instance
 * remembers of that team at once (app.ts); other API instances see it within `validKeyTtlMs`.
 */
import type { Team } from "@solver-router/core";
import type { Context } from "hono";
import { LRUCache } from "lru-cache";
import { clientAddress } from "./client-address.ts";
import { detail } from "./errors.ts";
import { TokenBuckets, type RateLimit } from "./token-buckets.ts";

export interface KeyGuardLimits {
  /** Failed authentications per source address. */
  failuresPerAddress: RateLimit;
  /** Table lookups of keys not seen valid, per instance. */
  unknownKeyLookups: RateLimit;
  /** How long a key hash found unknown is answered from memory. */
  unknownKeyTtlMs: number;
  /** How long the team of a key found valid is answered from memory. */
  validKeyTtlMs: number;
}

export const DEFAULT_KEY_GUARD_LIMITS: KeyGuardLimits = {
  failuresPerAddress: { perSecond: 50, burst: 100 },
  unknownKeyLookups: { perSecond: 100, burst: 200 },
  unknownKeyTtlMs: 5 * 60_000,
  validKeyTtlMs: 2_000,
};

const REMEMBERED_KEYS = 10_000;

export class KeyGuard {
  private readonly failures: TokenBuckets;
  private readonly lookups: TokenBuckets;
  private readonly unknown = new Map<string, number>();
  private readonly known = new Set<string>();
  private readonly teams: LRUCache<string, Team>;

  constructor(
    private readonly limits: KeyGuardLimits = DEFAULT_KEY_GUARD_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.failures = new TokenBuckets(limits.failuresPerAddress, now);
    this.lookups = new TokenBuckets(limits.unknownKeyLookups, now);
    this.teams = new LRUCache<string, Team>({ max: REMEMBERED_KEYS, ttl: limits.validKeyTtlMs, ttlResolution: 0, perf: { now } });
  }

  /** A 429 when the request's address has used up its failed authentications, unless `hash` is a key seen valid. */
  refuse(c: Context, hash?: string): Response | undefined {
    if (hash && this.known.has(hash)) return undefined;
    const address = clientAddress(c);
    if (this.failures.available(address) >= 1) return undefined;
    return tooMany(c, this.failures.retryAfter(address), "Too many failed authentications from this address");
  }

  /** Counts a failed authentication against the request's address. */
  failed(c: Context): void {
    this.failures.take(clientAddress(c));
  }

  /** Gives back a failure counted ahead of a lookup that found the key valid. */
  forgive(c: Context): void {
    this.failures.giveBack(clientAddress(c));
  }

  /** True when `hash` is a key this instance has seen valid. */
  seenValid(hash: string): boolean {
    return this.known.has(hash);
  }

  /** True when `hash` was found unknown recently: answer 401 without a read. */
  knownUnknown(hash: string): boolean {
    const until = this.unknown.get(hash);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.unknown.delete(hash);
    return false;
  }

  /** A 429 when `hash` is not a key seen valid and the instance's lookup budget is spent. */
  refuseLookup(c: Context, hash: string): Response | undefined {
    if (this.known.has(hash) || this.lookups.take("all")) return undefined;
    return tooMany(c, this.lookups.retryAfter("all"), "Too many requests with unrecognised keys");
  }

  rememberUnknown(hash: string): void {
    this.known.delete(hash);
    this.unknown.set(hash, this.now() + this.limits.unknownKeyTtlMs);
    if (this.unknown.size > REMEMBERED_KEYS) this.unknown.delete(this.unknown.keys().next().value!);
  }

  rememberValid(hash: string, team: Team): void {
    this.unknown.delete(hash);
    this.known.add(hash);
    if (this.known.size > REMEMBERED_KEYS) this.known.delete(this.known.values().next().value!);
    this.teams.set(hash, team);
  }

  /** The team of a key found valid within the last `validKeyTtlMs`. */
  rememberedTeam(hash: string): Team | undefined {
    return this.teams.get(hash);
  }

  /** Forgets the remembered keys of a team an admin just changed: its next request reads it afresh. */
  forgetTeam(teamId: string): void {
    for (const [hash, team] of this.teams.entries()) if (team.teamId === teamId) this.teams.delete(hash);
  }
}

export function tooMany(c: Context, retryAfter: number, why: string): Response {
  return detail(c, 429, `${why}; retry after ${retryAfter} s`, { "retry-after": String(retryAfter) });
}
