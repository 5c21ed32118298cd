import { hashApiKey, type RouterContext, type Team } from "@solver-router/core";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { addressRateLimit } from "../src/api/address-rate-limit.ts";
import { adminAuth, teamAuth } from "../src/api/auth.ts";
import { KeyGuard } from "../src/api/key-guard.ts";

/** Requests carry their "source address" in the env the node server would give (incoming.socket). */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

const VALID = "a".repeat(32);
const TEAM: Team = { teamId: "t1", name: "t", balanceMicro: 0, reservedMicro: 0, chargedMicro: 0, creditedMicro: 0, createdAt: 0 };

function appWithGuard(now: () => number, team: Team = { ...TEAM }) {
  let lookups = 0;
  const ctx = {
    teams: {
      async teamIdForKeyHash(hash: string) {
        lookups++;
        return hash === hashApiKey(VALID) ? "t1" : undefined;
      },
      async getTeam() {
        return { ...team };
      },
    },
  } as unknown as RouterContext;
  const guard = new KeyGuard({ failuresPerAddress: { perSecond: 1, burst: 3 }, unknownKeyLookups: { perSecond: 2, burst: 4 }, unknownKeyTtlMs: 60_000, validKeyTtlMs: 2_000 }, now);
  const app = new Hono();
  app.get("/team", teamAuth(ctx, guard), (c) => c.text("ok"));
  app.get("/admin", adminAuth("b".repeat(32), guard), (c) => c.text("ok"));
  const call = (path: string, key: string | undefined, address = "198.51.100.1") =>
    app.request(path, { headers: key ? { authorization: `Bearer ${key}` } : {} }, from(address));
  return { call, lookups: () => lookups, guard };
}

describe("per-address limit on public and admin routes", () => {
  it("answers 429 with Retry-After once an address spent its burst, refills over time, and keeps addresses apart", async () => {
    let t = 0;
    const app = new Hono();
    app.use(addressRateLimit({ perSecond: 2, burst: 3 }, () => t));
    app.get("/health", (c) => c.text("ok"));
    const get = (address: string) => app.request("/health", {}, from(address));
    for (let i = 0; i < 3; i++) expect((await get("203.0.113.5")).status).toBe(200);
    const limited = await get("203.0.113.5");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(await limited.json()).toEqual({ detail: "Too many requests from this address; retry after 1 s" });
    expect((await get("203.0.113.6")).status).toBe(200);
    t += 500;
    expect((await get("203.0.113.5")).status).toBe(200);
  });
});

describe("key guard", () => {
  it("limits failed authentications per address, answers remembered unknown keys without a read, and never locks out a key seen valid", async () => {
    let t = 0;
    const { call, lookups } = appWithGuard(() => t);
    expect((await call("/team", VALID)).status).toBe(200);
    const unknown = "c".repeat(32);
    expect((await call("/team", unknown)).status).toBe(401);
    expect((await call("/team", unknown)).status).toBe(401); // from memory
    expect(lookups()).toBe(2); // the valid key and the unknown one, once
    expect((await call("/team", "short")).status).toBe(401);
    const limited = await call("/team", "d".repeat(32));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect((await call("/admin", "e".repeat(32))).status).toBe(429); // same address, same budget
    expect((await call("/team", VALID)).status).toBe(200); // seen valid: not locked out
    expect((await call("/admin", "b".repeat(32))).status).toBe(200); // the right admin key always passes
    expect((await call("/team", "d".repeat(32), "198.51.100.2")).status).toBe(401); // another address
    t += 1000;
    expect((await call("/team", "f".repeat(32))).status).toBe(401);
  });

  it("counts a lookup against the address before it is made: parallel unknown keys from one address stop at its budget", async () => {
    const t = 0;
    const { call, lookups } = appWithGuard(() => t);
    const statuses = await Promise.all(Array.from({ length: 20 }, async (_, i) => (await call("/team", (i + 1).toString(16).padStart(32, "0"))).status));
    expect(lookups()).toBe(3); // the address's failure burst, though all 20 arrived before any read ended
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    expect((await call("/team", VALID, "198.51.100.9")).status).toBe(200);
  });

  it("bounds table lookups of unknown keys per instance, however many addresses they come from", async () => {
    const t = 0;
    const { call, lookups } = appWithGuard(() => t);
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await call("/team", i.toString(16).padStart(32, "0"), `192.0.2.${i}`)).status);
    expect(lookups()).toBe(4); // the lookup burst, then 429s until it refills
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(46);
  });

  it("answers a key found valid from memory for validKeyTtlMs (no reads), then reads again; an admin change to the team is seen at once", async () => {
    let t = 1_700_000_000_000;
    const team = { ...TEAM };
    const { call, lookups, guard } = appWithGuard(() => t, team);
    for (let i = 0; i < 5; i++) expect((await call("/team", VALID)).status).toBe(200);
    expect(lookups()).toBe(1);
    t += 1_999;
    expect((await call("/team", VALID)).status).toBe(200);
    expect(lookups()).toBe(1);
    t += 2;
    expect((await call("/team", VALID)).status).toBe(200);
    expect(lookups()).toBe(2); // remembered for 2 s, no longer

    team.suspended = true; // an admin suspends the team: app.ts tells the guard
    expect((await call("/team", VALID)).status).toBe(200); // still remembered as it was
    guard.forgetTeam("t1");
    const refused = await call("/team", VALID);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ detail: "Team suspended" });
    expect(lookups()).toBe(3);
    expect((await call("/team", VALID)).status).toBe(401); // the suspension is remembered too
    guard.forgetTeam("another team"); // forgets nothing of t1
    expect(lookups()).toBe(3);
  });
});
