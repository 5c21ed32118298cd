// What createApi wires around the routes, checked through the app itself (in-process, over the
// in-memory world): the per-team rate limit on every team route, and the health check's 503.
import { describe, expect, it } from "vitest";
import { createTeam, type Logger } from "@solver-router/core";
import { createWorld } from "../../core/test/fakes.ts";
import { createApi } from "../src/api/app.ts";

const ADMIN_KEY = "b".repeat(32);

function capturingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, ...(fields ? { fields } : {}) });
  const logger: Logger = { info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

async function apiWithTeams(options: { perSecond: number; burst: number }, checkHealth = async () => {}) {
  const { logger, lines } = capturingLogger();
  const world = createWorld({ providers: [], logger });
  const app = createApi(world.ctx, { adminKey: ADMIN_KEY, rateLimit: options, checkHealth });
  const a = await createTeam(world.ctx, { name: "a", credits: 1 });
  const b = await createTeam(world.ctx, { name: "b", credits: 1 });
  const get = (path: string, key: string) => app.request(path, { headers: { authorization: `Bearer ${key}` } });
  return { app, get, a, b, lines };
}

describe("createApi: the per-team rate limit", () => {
  it("limits each team on every team route (burst, then 429 with Retry-After), and not other teams, admins or public routes", async () => {
    // A refill of one request per 1000 s: within the test the burst is all a team gets.
    const { app, get, a, b } = await apiWithTeams({ perSecond: 0.001, burst: 3 });
    const statuses = [
      (await get("/v2/account", a.api_key)).status,
      (await get("/v2/solver/tasks", a.api_key)).status,
      (await get("/v2/usage", a.api_key)).status,
    ];
    expect(statuses).toEqual([200, 200, 200]);
    for (const path of ["/v2/account", "/v2/solver/result/nope", "/v2/ledger"]) {
      const limited = await get(path, a.api_key);
      expect(limited.status, path).toBe(429);
      expect(Number(limited.headers.get("retry-after")), path).toBeGreaterThanOrEqual(1);
      expect(((await limited.json()) as { detail: string }).detail).toMatch(/^Rate limit of 0.001 requests per second exceeded/);
    }
    const submit = await app.request("/v2/solver/image", { method: "POST", headers: { authorization: `Bearer ${a.api_key}`, "content-type": "application/json" }, body: "{}" });
    expect(submit.status).toBe(429);
    expect((await get("/v2/account", b.api_key)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await get("/v2/admin/teams", ADMIN_KEY)).status).toBe(200);
    expect((await app.request("/v2/solver/pricing")).status).toBe(200);
  });

  it("counts only authenticated requests: a wrong key gets 401 and uses nothing of the team's burst", async () => {
    const { get, a } = await apiWithTeams({ perSecond: 0.001, burst: 1 });
    for (let i = 0; i < 3; i++) expect((await get("/v2/account", "0".repeat(32))).status).toBe(401);
    expect((await get("/v2/account", a.api_key)).status).toBe(200);
    expect((await get("/v2/account", a.api_key)).status).toBe(429);
  });
});

describe("createApi: GET /health", () => {
  it("answers 200 {status: ok} when the table and queue answer", async () => {
    const { app } = await apiWithTeams({ perSecond: 100, burst: 300 });
    const ok = await app.request("/health");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: "ok" });
  });

  it("answers 503 with a detail, and logs why, when the table or the queue does not", async () => {
    const { app, lines } = await apiWithTeams({ perSecond: 100, burst: 300 }, async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:8000");
    });
    const down = await app.request("/health");
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ detail: "The table or the queue is unreachable" });
    expect(lines).toContainEqual({ level: "error", message: "health check failed", fields: { error: "Error: connect ECONNREFUSED 127.0.0.1:8000" } });
  });
});
