/** GET /health: 200 when the table and the queue answer, else 503 (and the reason logged). */
import { createRoute, z } from "@hono/zod-openapi";
import type { RouterContext } from "@solver-router/core";
import { detail } from "../errors.ts";
import { errorResponses, jsonResponse, routeGroup } from "./route-kit.ts";

export function healthRoutes(ctx: RouterContext, checkHealth: () => Promise<void>) {
  return routeGroup().openapi(
    createRoute({
      method: "get",
      path: "/health",
      tags: ["health"],
      responses: { 200: jsonResponse(z.object({ status: z.literal("ok") }), "The API reaches its table and queue"), ...errorResponses(503) },
    }),
    async (c) => {
      try {
        await checkHealth();
        return c.json({ status: "ok" as const }, 200);
      } catch (error) {
        ctx.logger.error("health check failed", { error: String(error) });
        // (typed routes only know their 200 shape; errors elsewhere are thrown DomainErrors)
        return detail(c, 503, "The table or the queue is unreachable") as never;
      }
    },
  );
}
