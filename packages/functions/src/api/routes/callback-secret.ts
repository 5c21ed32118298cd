/** POST /v2/admin/teams/{team_id}/callback-secret: rotates a team's callback signing secret. */
import { createRoute, z } from "@hono/zod-openapi";
import { rotateCallbackSecret, type RouterContext } from "@solver-router/core";
import type { MiddlewareHandler } from "hono";
import { TeamIdParams } from "../schemas.ts";
import { adminSecurity, errorResponses, jsonResponse, routeGroup } from "./route-kit.ts";

export function callbackSecretRoutes(ctx: RouterContext, admin: MiddlewareHandler) {
  return routeGroup().openapi(
    createRoute({
      method: "post",
      path: "/v2/admin/teams/{team_id}/callback-secret",
      tags: ["admin"],
      summary: "Rotate the team's callback signing secret (shown once; the old one stops signing at once)",
      security: adminSecurity,
      middleware: [admin] as const,
      request: { params: TeamIdParams },
      responses: {
        200: jsonResponse(z.object({ team_id: z.string(), callback_secret: z.string() }), "The new secret (shown once)"),
        ...errorResponses(401, 404),
      },
    }),
    async (c) => c.json(await rotateCallbackSecret(ctx, c.req.valid("param").team_id), 200),
  );
}
