import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { teamRateLimit } from "../src/api/rate-limit.ts";
import type { AuthVariables } from "../src/api/auth.ts";

function appWithLimit(now: () => number) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.use(async (c, next) => {
    c.set("teamId", c.req.header("x-team") ?? "a");
    await next();
  });
  app.use(teamRateLimit({ perSecond: 2, burst: 3 }, now));
  app.get("/", (c) => c.text("ok"));
  return app;
}

describe("per-team rate limit", () => {
  it("answers 429 with Retry-After once a team's burst is spent, refills over time, and keeps teams apart", async () => {
    let t = 0;
    const app = appWithLimit(() => t);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await app.request("/")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await app.request("/");
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(await limited.json()).toEqual({ detail: expect.stringMatching(/^Rate limit of 2 requests per second exceeded/) });
    expect((await app.request("/", { headers: { "x-team": "b" } })).status).toBe(200);
    t += 500; // half a second refills one request
    expect((await app.request("/")).status).toBe(200);
    expect((await app.request("/")).status).toBe(429);
  });
});
