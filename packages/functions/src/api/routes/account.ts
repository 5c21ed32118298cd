/** GET /v2/account: the team's balance, reservations and budget (team key). */
import { createRoute } from "@hono/zod-openapi";
import { accountView, type RouterContext } from "@solver-router/core";
import { AccountSchema } from "../schemas.ts";
import { errorResponses, jsonResponse, routeGroup, teamSecurity, type TeamEnv, type TeamMiddleware } from "./route-kit.ts";

export function accountRoutes(ctx: RouterContext, team: TeamMiddleware) {
  return routeGroup<TeamEnv>().openapi(
    createRoute({
      method: "get",
      path: "/v2/account",
      tags: ["account"],
      security: teamSecurity,
      middleware: team,
      responses: { 200: jsonResponse(AccountSchema, "The team's balance and reservations"), ...errorResponses(401) },
    }),
    async (c) => c.json(await accountView(ctx, c.get("team")), 200),
  );
}
