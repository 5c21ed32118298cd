/**
 * POST /v2/admin/teams/{team_id}/suspend and /resume: a suspended team's keys get 401
 * "Team suspended"; tasks it already submitted still finish.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { setTeamSuspended, type RouterContext } from "@solver-router/core";
import type { MiddlewareHandler } from "hono";
import { TeamIdParams } from "../schemas.ts";
import { adminSecurity, errorResponses, jsonResponse, routeGroup } from "./route-kit.ts";

const SuspensionSchema = z.object({ team_id: z.string(), name: z.string(), suspended: z.boolean() });

export function teamSuspensionRoutes(ctx: RouterContext, admin: MiddlewareHandler) {
  const route = (action: "suspend" | "resume", summary: string) =>
    createRoute({
      method: "post",
      path: `/v2/admin/teams/{team_id}/${action}`,
      tags: ["admin"],
      summary,
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams },
      responses: { 200: jsonResponse(SuspensionSchema, "The team's state"), ...errorResponses(401, 404) },
    });
  return routeGroup()
    .openapi(route("suspend", "Suspend a team: its keys are refused; its unfinished tasks finish"), async (c) =>
      c.json(await setTeamSuspended(ctx, c.req.valid("param").team_id, true), 200),
    )
    .openapi(route("resume", "Resume a suspended team"), async (c) => c.json(await setTeamSuspended(ctx, c.req.valid("param").team_id, false), 200));
}
