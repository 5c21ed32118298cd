/**
 * Usage and money: a team's usage report (GET /v2/usage) and ledger (GET /v2/ledger) with its key,
 * and with the admin key any team's ledger and the usage of all teams. Usage reports are JSON, or
 * CSV with `format=csv` or `Accept: text/csv`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ledgerView, usageCsv, usageReport, type RouterContext } from "@solver-router/core";
import type { Context, MiddlewareHandler } from "hono";
import { AdminUsageQuerySchema, LedgerQuerySchema, LedgerSchema, TeamIdParams, UsageQuerySchema, UsageReportSchema } from "../schemas.ts";
import { adminSecurity, errorResponses, jsonResponse, routeGroup, teamSecurity, type TeamEnv, type TeamMiddleware } from "./route-kit.ts";

const usageResponses = {
  200: {
    description: "Usage rows and totals (JSON), or CSV with format=csv or Accept: text/csv",
    content: { "application/json": { schema: UsageReportSchema }, "text/csv": { schema: z.string() } },
  },
  ...errorResponses(400, 401),
};

/** CSV when `format=csv`, or when no format is given and the client accepts text/csv; else JSON. */
const wantsCsv = (c: Context, format: string | undefined) => format === "csv" || (format === undefined && /text\/csv/i.test(c.req.header("accept") ?? ""));

/** (typed as never: the route's types only know the JSON shape of its 200) */
const csvAnswer = (c: Context, report: Parameters<typeof usageCsv>[0]) => c.body(usageCsv(report), 200, { "content-type": "text/csv; charset=utf-8" }) as never;

export function usageRoutes(ctx: RouterContext, team: TeamMiddleware, admin: MiddlewareHandler) {
  const app = routeGroup<TeamEnv>();

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/usage",
      tags: ["usage"],
      security: teamSecurity,
      middleware: team,
      request: { query: UsageQuerySchema },
      responses: usageResponses,
    }),
    async (c) => {
      const query = c.req.valid("query");
      const report = await usageReport(ctx, query, { teamId: c.get("teamId") });
      return wantsCsv(c, query.format) ? csvAnswer(c, report) : c.json(report, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/ledger",
      tags: ["usage"],
      summary: "The team's money movements: credits added, charges, refunds",
      security: teamSecurity,
      middleware: team,
      request: { query: LedgerQuerySchema },
      responses: { 200: jsonResponse(LedgerSchema, "Ledger lines, oldest first, and totals"), ...errorResponses(400, 401) },
    }),
    async (c) => c.json(await ledgerView(ctx, c.get("teamId"), c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/admin/teams/{team_id}/ledger",
      tags: ["admin", "usage"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams, query: LedgerQuerySchema },
      responses: { 200: jsonResponse(LedgerSchema, "The team's ledger lines and totals"), ...errorResponses(400, 401) },
    }),
    async (c) => c.json(await ledgerView(ctx, c.req.valid("param").team_id, c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v2/admin/usage",
      tags: ["admin", "usage"],
      security: adminSecurity,
      middleware: [admin] as const,
      request: { query: AdminUsageQuerySchema },
      responses: usageResponses,
    }),
    async (c) => {
      const query = c.req.valid("query");
      const report = await usageReport(ctx, query, { admin: true });
      return wantsCsv(c, query.format) ? csvAnswer(c, report) : c.json(report, 200);
    },
  );

  return app;
}
