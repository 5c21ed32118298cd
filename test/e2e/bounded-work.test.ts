/**
 * Bounded work per request: bad keys are answered 401 or 429 (never 5xx) and reach the table a
 * bounded number of times; per-address limits before authentication; the task list's offset cap.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTeam, startStack, type LocalStack } from "./support.ts";

describe("bounded work before authentication", () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack?.stop());

  it("answers 400 naming offset beyond the cap, and serves the cap itself", async () => {
    const { api } = await createTeam(stack, "pager", 1);
    const beyond = await api.request("GET", "/v2/solver/tasks?offset=99999999");
    expect(beyond.status).toBe(400);
    expect(beyond.body.detail).toMatch(/^offset: must be at most 1000/);
    expect((await api.request("GET", "/v2/solver/tasks?offset=1000")).body).toMatchObject({ total: 0, offset: 1000, tasks: [] });
  });

  it("500 requests with made-up keys in a burst get only 401s and 429s, and reach the table a bounded number of times", async () => {
    const { api: good } = await createTeam(stack, "bystander", 1);
    expect((await good.request("GET", "/v2/account")).status).toBe(200); // seen valid before the flood

    const teams = stack.ctx.teams;
    const original = teams.teamIdForKeyHash.bind(teams);
    let lookups = 0;
    teams.teamIdForKeyHash = (hash: string) => {
      lookups++;
      return original(hash);
    };
    try {
      const started = Date.now();
      const statuses = await Promise.all(
        Array.from({ length: 500 }, async (_, i) => {
          const key = i % 5 === 0 ? "not-a-key" : randomBytes(16).toString("hex");
          const response = await fetch(`${stack.apiUrl}/v2/account`, { headers: { authorization: `Bearer ${key}` } });
          const body = (await response.json()) as { detail: string };
          expect(body.detail).toEqual(expect.any(String));
          if (response.status === 429) expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
          return response.status;
        }),
      );
      const seconds = (Date.now() - started) / 1000;
      expect(new Set(statuses)).toEqual(new Set([401, 429]));
      expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
      // At most the per-address failure budget (burst 100 + 50/s) reaches the table.
      expect(lookups).toBeLessThanOrEqual(100 + Math.ceil(50 * seconds));
      // A team whose key was seen valid is not locked out by the flood from its address.
      expect((await good.request("GET", "/v2/account")).status).toBe(200);
    } finally {
      teams.teamIdForKeyHash = original;
    }
  });

  // The limits themselves, with a fake clock: packages/functions/test/pre-auth-limits.test.ts.
  it("a burst on /health, pricing and admin routes gets 200s (or 429s from the per-address limit), never 5xx", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        fetch(`${stack.apiUrl}${i % 2 ? "/health" : "/v2/solver/pricing"}`).then(async (r) => {
          await r.body?.cancel();
          return r.status;
        }),
      ),
    );
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses).toContain(200);
    const admin = await client(stack, "0".repeat(32)).request("GET", "/v2/admin/teams");
    expect([401, 429]).toContain(admin.status);
  });
});
