/**
 * docs/api.md is the API reference a clone ships with; /v2/openapi.json is generated from the
 * code. Every route the code serves must be described in the reference.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createWorld } from "../../core/test/fakes.ts";
import { createApi } from "../src/api/app.ts";

const reference = readFileSync(new URL("../../../docs/api.md", import.meta.url), "utf8");

async function openApiRoutes(): Promise<string[]> {
  const world = createWorld({ providers: [] });
  const app = createApi(world.ctx, { adminKey: "a".repeat(32), checkHealth: async () => {} });
  const document = (await (await app.request("/v2/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
}

describe("docs/api.md", () => {
  it("describes every route of /v2/openapi.json", async () => {
    const routes = await openApiRoutes();
    expect(routes.length).toBeGreaterThan(20);
    // A route counts only as a whole: "POST /v2/admin/teams" is not found inside "POST /v2/admin/teams/{team_id}/keys".
    const described = (route: string) => new RegExp(`${route.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}(?![\\w/{])`).test(reference);
    const missing = routes.filter((route) => !described(route));
    expect(missing).toEqual([]);
  });
});
